import type { types as ms } from 'mediasoup';

/**
 * The video codecs of a camera's Router (appended to the audio ones in router-codecs.ts).
 * H.264 comes once per profile: mediasoup matches a producer's profile exactly, and a real
 * camera's RTSP stream is forwarded as it is (Constrained Baseline from the simulated
 * encoder, often Main or High from cameras). Browsers decode all three. VP8 is there for
 * browsers and phones without H.264. packetization-mode 1 inside: a camera's frames exceed one
 * packet (FU-A); the simulated scene's single-NAL packets are valid in it too, and go to a
 * mode-0 phone as they are (sip-call-video.ts).
 * The payload types are Chromium's (measured on 156: 108 Constrained Baseline, 116 Main, 96
 * VP8): mediasoup consumers send the Router's numbers, and a browser that offers the video
 * takes only the numbers of its own offer (as for Opus in router-codecs.ts).
 */
export const ROUTER_VIDEO_CODECS: ms.RtpCodecCapability[] = [
  h264('42e01f', 108),
  h264('4d001f', 116),
  h264('640032', 106),
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96 },
];

/** The payload type ffmpeg writes into the camera's PlainTransport (the producer's, mapped by the Router). */
export const FFMPEG_H264_PAYLOAD_TYPE = 102;

function h264(profileLevelId: string, preferredPayloadType: number): ms.RtpCodecCapability {
  return {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    preferredPayloadType,
    parameters: { 'packetization-mode': 1, 'profile-level-id': profileLevelId, 'level-asymmetry-allowed': 1 },
  };
}
