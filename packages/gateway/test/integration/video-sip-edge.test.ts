/**
 * The camera's video towards a SIP phone, at the RTP level: the audio edge's rules hold for
 * it (nothing before the ACK), the phone's PLI reaches the source, and video m-lines the
 * camera cannot serve are answered with port 0 and a reason while the audio goes on.
 */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { MediaService } from '../../src/media/media-service.ts';
import type { MediaSession } from '../../src/media/media-session.ts';
import { isRtcp, parseRtpPacket } from '../../src/media/rtp-packet.ts';
import { createRtspPuller } from '../../src/media/video/rtsp-puller.ts';
import { SimulatedScene } from '../../src/media/video/simulated-scene.ts';
import { VideoSupervisor } from '../../src/media/video/video-supervisor.ts';
import { eventually } from '../support/gateway.ts';
import { freeTcpPort } from '../support/ports.ts';
import type { PeerProcess } from '../support/process.ts';
import { startRtspCamera } from '../support/rtsp-camera.ts';
import { ToneCameraAudio } from './media-harness.ts';

const logger = createLogger();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The simulated scene's ffmpeg (a child of this test process). */
function encoderPid(): number | undefined {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((line) => line.trim().split(/\s+/)).filter(([, comm]) => comm === 'ffmpeg').map(([pid]) => Number(pid))[0];
}

/** RFC 4585 §6.3.1 Picture Loss Indication from `sender` about `media`. */
function pli(sender: number, media: number): Buffer {
  const packet = Buffer.alloc(12);
  packet[0] = 0x81;
  packet[1] = 206;
  packet.writeUInt16BE(2, 2);
  packet.writeUInt32BE(sender, 4);
  packet.writeUInt32BE(media, 8);
  return packet;
}

function offer(audioPort: number, videoPort: number, video = 'm=video %PORT% RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\na=sendrecv\r\n'): string {
  return [
    'v=0', 'o=phone 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${audioPort} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', '',
  ].join('\r\n') + video.replace('%PORT%', String(videoPort));
}

describe('SIP video edge', () => {
  let media: MediaService;
  let supervisor: VideoSupervisor;
  let audio: Socket;
  let video: Socket;
  const videoPackets: { payloadType: number; ssrc: number; sequenceNumber: number; nalType: number }[] = [];
  let session: MediaSession | undefined;
  let calls = 0;

  beforeAll(async () => {
    media = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 35000, portMax: 35099 } });
    await media.start();
    supervisor = new VideoSupervisor({ cameraId: 'camera', source: new SimulatedScene({ cameraId: 'camera', cameraName: 'edge', logger }), router: () => media.cameraRouter(), alwaysOn: true, logger });
    media.attachVideo('camera', supervisor);
    supervisor.start();
    await eventually(() => supervisor.state.state === 'running', 15_000, 'the scene');
    audio = createSocket('udp4');
    video = createSocket('udp4');
    await Promise.all([audio, video].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))));
    video.on('message', (datagram) => {
      const packet = isRtcp(datagram) ? undefined : parseRtpPacket(datagram);
      if (packet) videoPackets.push({ payloadType: packet.payloadType, ssrc: packet.ssrc, sequenceNumber: packet.sequenceNumber, nalType: packet.payload[0]! & 0x1f });
    });
  }, 30_000);

  afterEach(() => {
    session?.close();
    session = undefined;
    videoPackets.length = 0;
  });

  afterAll(async () => {
    audio?.close();
    video?.close();
    supervisor?.close();
    await media?.close();
  });

  const answer = async (sdp: string): Promise<MediaSession> => {
    session = await media.answer({ callId: `video-edge-${++calls}`, kind: 'sip', offerSdp: sdp, audio: new ToneCameraAudio(1000) });
    return session;
  };

  it('answers H.264 sendonly under the phone\'s payload type, sends nothing before the ACK, then video; the phone\'s PLI reaches the source', async () => {
    const call = await answer(offer(audio.address().port, video.address().port));
    const section = call.answerSdp.slice(call.answerSdp.indexOf('m=video'));
    expect(section).toMatch(/^m=video [1-9]\d* RTP\/AVP 97\r\n/);
    expect(section).toContain('a=rtpmap:97 H264/90000');
    expect(section).toContain('a=fmtp:97 packetization-mode=1;profile-level-id=42e01f');
    expect(section).toContain('a=sendonly');
    await sleep(1500);
    expect(videoPackets).toHaveLength(0);
    call.confirmPeer();
    await eventually(() => videoPackets.length > 30, 10_000, 'video after the ACK');
    expect(new Set(videoPackets.map((p) => p.payloadType))).toEqual(new Set([97]));
    const producer = supervisor.producer!;
    const before = (await producer.getStats()).reduce((sum, s) => sum + (s.pliCount ?? 0), 0);
    const videoPort = Number(/^m=video (\d+)/m.exec(call.answerSdp)![1]);
    video.send(pli(0x1234, videoPackets[0]!.ssrc), videoPort, '127.0.0.1');
    await eventually(async () => (await producer.getStats()).reduce((sum, s) => sum + (s.pliCount ?? 0), 0) > before, 5000, 'the PLI at the source');
  }, 30_000);

  it('keeps sending after the source died and restarted: same SSRC and payload type, numbering continued', async () => {
    const call = await answer(offer(audio.address().port, video.address().port));
    call.confirmPeer();
    await eventually(() => videoPackets.length > 30, 10_000, 'video after the ACK');
    const { ssrc } = videoPackets[0]!;
    process.kill(encoderPid()!, 'SIGKILL');
    await eventually(() => supervisor.state.state === 'unavailable', 5000, 'the source down');
    const atRestart = videoPackets.length;
    await eventually(() => supervisor.state.state === 'running', 15_000, 'the source back');
    await eventually(() => videoPackets.length > atRestart + 30, 10_000, 'video from the restarted source');
    expect(new Set(videoPackets.map((p) => p.ssrc))).toEqual(new Set([ssrc]));
    expect(new Set(videoPackets.map((p) => p.payloadType))).toEqual(new Set([97]));
    // No jump in the numbering across the restart (a phone's jitter buffer would wait for it).
    const gaps = videoPackets.slice(1).map((p, i) => (p.sequenceNumber - videoPackets[i]!.sequenceNumber + 65536) % 65536);
    expect(Math.max(...gaps)).toBeLessThan(50);
    expect(call.state).toBe('open');
  }, 40_000);

  it('refuses a video m-line it cannot serve (VP8 only, no transcoding) with port 0 and a reason; the audio is answered', async () => {
    const vp8 = 'm=video %PORT% RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\na=sendrecv\r\n';
    const call = await answer(offer(audio.address().port, video.address().port, vp8));
    expect(call.answerSdp).toMatch(/^m=audio [1-9]\d* RTP\/AVP 0/m);
    expect(call.answerSdp).toMatch(/^m=video 0 RTP\/AVP 100/m);
    expect(call.answerSdp).toMatch(/^i=the phone offers no H264 \(no transcoding\)/m);
    call.confirmPeer();
    await sleep(1000);
    expect(videoPackets).toHaveLength(0);
  });

  it('serves an H.264 packetization-mode 0 offer from the simulated scene: every packet is one whole NAL unit (no STAP-A, no FU-A)', async () => {
    // RFC 6184: a format without packetization-mode is mode 0 (linphone's H.264 offer).
    const modeZero = 'm=video %PORT% RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42801f\r\na=sendrecv\r\n';
    const call = await answer(offer(audio.address().port, video.address().port, modeZero));
    const section = call.answerSdp.slice(call.answerSdp.indexOf('m=video'));
    expect(section).toMatch(/^m=video [1-9]\d* RTP\/AVP 96\r\n/);
    expect(section).toContain('a=fmtp:96 packetization-mode=0;profile-level-id=42e01f');
    call.confirmPeer();
    // Three 1 s GOPs: key frames (SPS, PPS, IDR slices) and the frames between them.
    await eventually(() => videoPackets.length > 150 && videoPackets.some((p) => p.nalType === 5), 15_000, 'video with a key frame');
    const nalTypes = new Set(videoPackets.map((p) => p.nalType));
    expect([...nalTypes].every((type) => type >= 1 && type <= 23)).toBe(true);
    expect(nalTypes).toContain(7); // SPS in its own packet, as the key frame's first
    expect(new Set(videoPackets.map((p) => p.payloadType))).toEqual(new Set([96]));
  }, 30_000);
});

describe('SIP video of a real RTSP camera', () => {
  it('refuses an H.264 packetization-mode 0 offer (the camera fragments its NAL units): port 0 with the reason, the audio answered', async () => {
    const media = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 35300, portMax: 35399 } });
    await media.start();
    let camera: PeerProcess | undefined;
    let supervisor: VideoSupervisor | undefined;
    try {
      const port = await freeTcpPort();
      camera = await startRtspCamera(port);
      const source = createRtspPuller({ cameraId: 'camera', url: `rtsp://127.0.0.1:${port}/camera`, logger });
      supervisor = new VideoSupervisor({ cameraId: 'camera', source, router: () => media.cameraRouter(), alwaysOn: true, logger });
      media.attachVideo('camera', supervisor);
      supervisor.start();
      await eventually(() => supervisor!.state.state === 'running', 20_000, 'the RTSP camera');
      const modeZero = 'm=video 40002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42801f\r\na=sendrecv\r\n';
      const call = await media.answer({ callId: 'rtsp-mode-0', kind: 'sip', offerSdp: offer(40000, 40002, modeZero), audio: new ToneCameraAudio(1000) });
      expect(call.answerSdp).toMatch(/^m=audio [1-9]\d* RTP\/AVP 0/m);
      expect(call.answerSdp).toMatch(/^m=video 0 RTP\/AVP 96\r\ni=the phone offers H264 packetization-mode 0 only and the camera stream fragments its NAL units \(no transcoding\)/m);
      call.close();
    } finally {
      supervisor?.close();
      await camera?.stop();
      await media.close();
    }
  }, 40_000);
});

describe('SIP video when the RTP range is full', () => {
  it('answers the audio and refuses the video (port 0, "no free RTP ports for video"): the call does not fail for its video', async () => {
    const media = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 35200, portMax: 35201 } });
    await media.start();
    const supervisor = new VideoSupervisor({ cameraId: 'camera', source: new SimulatedScene({ cameraId: 'camera', cameraName: 'full', logger }), router: () => media.cameraRouter(), alwaysOn: true, logger });
    media.attachVideo('camera', supervisor);
    try {
      supervisor.start();
      await eventually(() => supervisor.state.state === 'running', 15_000, 'the scene');
      const call = await media.answer({ callId: 'full-range', kind: 'sip', offerSdp: offer(40000, 40002), audio: new ToneCameraAudio(1000) });
      expect(call.answerSdp).toMatch(/^m=audio 35200 RTP\/AVP 0/m);
      expect(call.answerSdp).toMatch(/^m=video 0 RTP\/AVP 97\r\ni=no free RTP ports for video/m);
      call.close();
    } finally {
      supervisor.close();
      await media.close();
    }
  }, 30_000);
});
