import * as sdpTransform from 'sdp-transform';
import type { MediaDescription } from 'sdp-transform';
import type { MediaDirection } from './media-direction.ts';
import type { NegotiatedCodec } from './negotiated-codec.ts';
import { ipVersion, rejectedMedia } from './rejected-media.ts';
import type { OfferedFormat } from './audio-offer.ts';
import type { WebRtcOffer } from './webrtc-offer.ts';

/** RFC 8843 §15.2: lets the worker route by MID when the offer carries no a=ssrc. */
export const MID_EXTENSION_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';

/** RFC 7587 §6.1: the camera accepts 10 ms Opus frames and wants in-band FEC. */
const OPUS_ANSWER_FMTP = 'minptime=10;useinbandfec=1';

/** sdp-transform 3 writes a=msid from a list; @types/sdp-transform still describes v2's string. */
type MediaDescriptionV3 = Omit<MediaDescription, 'msid'> & { msid?: { id: string; appdata: string }[] };

export interface HeaderExtension {
  readonly id: number;
  readonly uri: string;
}

export interface IceCandidateLine {
  readonly foundation: string;
  readonly priority: number;
  readonly ip: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
}

/** The camera's picture in the answer: sent (sendonly, bundled) or refused with a reason (port 0, RFC 4566 i=). */
export type VideoAnswer =
  | {
      readonly index: number;
      readonly mid: string | undefined;
      readonly format: OfferedFormat;
      readonly streamId: string;
      readonly trackId: string;
      /** The consumer's SSRC and CNAME: the browser routes the bundled video by it. */
      readonly sender: { readonly ssrc: number; readonly cname: string } | undefined;
    }
  | { readonly index: number; readonly unavailable: string };

/** RTCP feedback the camera's video consumer honours: retransmission requests and key-frame requests. */
export const VIDEO_RTCP_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] as const;

export interface WebRtcAnswerParams {
  readonly offer: WebRtcOffer;
  readonly codec: NegotiatedCodec;
  readonly headerExtensions: readonly HeaderExtension[];
  readonly ice: { readonly usernameFragment: string; readonly password: string; readonly candidates: readonly IceCandidateLine[] };
  readonly fingerprint: { readonly algorithm: string; readonly value: string };
  /** RFC 5763 §5: our DTLS role as answerer; 'passive' makes the worker the DTLS server. */
  readonly setup: 'active' | 'passive';
  readonly direction: MediaDirection;
  /** What the browser receives from us; omitted while we do not send. */
  readonly sender: { readonly ssrc: number; readonly cname: string; readonly streamId: string; readonly trackId: string } | undefined;
  /** Whether the offer asked for reduced-size RTCP (RFC 5506). */
  readonly rtcpReducedSize: boolean;
  /** The offer's m=video, when it has one. */
  readonly video?: VideoAnswer | undefined;
}

/**
 * The JSEP answer (RFC 8829 §5.3) of an ICE-lite mediasoup WebRtcTransport: one bundled
 * audio section with a single codec, no RTCP feedback and only the MID header extension,
 * which is all a one-voice-stream intercom needs, plus, when offered, the camera's video
 * bundled on the same transport, routed by its a=ssrc (mediasoup consumers cannot carry the
 * browser's MID extension id: they keep the Router's). No telephone-event, even when offered:
 * mediasoup consumers drop RFC 4733 packets, so accepting it would make the browser's
 * RTCDTMFSender report success for keys the camera never gets (see media/README.md).
 */
export function writeWebRtcAnswer(params: WebRtcAnswerParams, sessionId: string, version: number): string {
  const { offer, codec, ice, sender } = params;
  const { mid } = offer;
  const firstCandidate = ice.candidates[0];
  const address = firstCandidate?.ip ?? '0.0.0.0';
  const ipVer = ipVersion(address);
  const audio: MediaDescriptionV3 = {
    type: 'audio',
    port: firstCandidate?.port ?? 9,
    protocol: offer.media.protocol,
    payloads: String(codec.payloadType),
    connection: { version: ipVer, ip: address },
    rtp: [{ payload: codec.payloadType, codec: codec.name, rate: codec.clockRate, ...(codec.channels > 1 ? { encoding: codec.channels } : {}) }],
    fmtp: codec.name === 'opus' ? [{ payload: codec.payloadType, config: OPUS_ANSWER_FMTP }] : [],
    ext: params.headerExtensions.map((e) => ({ value: e.id, uri: e.uri })),
    ...(mid !== undefined ? { mid } : {}),
    iceUfrag: ice.usernameFragment,
    icePwd: ice.password,
    fingerprint: { type: params.fingerprint.algorithm, hash: params.fingerprint.value },
    setup: params.setup,
    candidates: ice.candidates.map((c) => ({
      foundation: c.foundation,
      component: 1,
      transport: c.protocol,
      priority: c.priority,
      ip: c.ip,
      port: c.port,
      type: 'host',
    })),
    endOfCandidates: 'end-of-candidates',
    direction: params.direction,
    rtcpMux: 'rtcp-mux',
    ...(params.rtcpReducedSize ? { rtcpRsize: 'rtcp-rsize' as const } : {}),
    ...(sender
      ? {
          msid: [{ id: sender.streamId, appdata: sender.trackId }],
          ssrcs: [
            { id: sender.ssrc, attribute: 'cname', value: sender.cname },
            { id: sender.ssrc, attribute: 'msid', value: `${sender.streamId} ${sender.trackId}` },
          ],
        }
      : {}),
  };
  const video = params.video;
  const videoSection = video && ('unavailable' in video ? undefined : writeVideoSection(video, audio));
  const bundle = [mid, videoSection?.mid].filter((m): m is string => m !== undefined);
  const answered = (m: MediaDescription, index: number): MediaDescription => {
    if (index === offer.audioIndex) return audio as unknown as MediaDescription;
    if (video && index === video.index) return videoSection ? (videoSection as unknown as MediaDescription) : { ...rejectedMedia(m), description: (video as { unavailable: string }).unavailable };
    return rejectedMedia(m);
  };
  return sdpTransform.write({
    version: 0,
    origin: { username: '-', sessionId, sessionVersion: version, netType: 'IN', ipVer, address },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    ...(bundle.length > 0 ? { groups: [{ type: 'BUNDLE', mids: bundle.join(' ') }] } : {}),
    msidSemantic: { semantic: 'WMS', token: '*' },
    media: offer.session.media.map(answered),
  });
}

/** The bundled video section: the audio section's transport lines, one codec, sendonly. */
function writeVideoSection(video: Exclude<VideoAnswer, { unavailable: string }>, audio: MediaDescriptionV3): MediaDescriptionV3 {
  const { format } = video;
  return {
    type: 'video',
    port: audio.port,
    protocol: audio.protocol,
    payloads: String(format.payloadType),
    connection: audio.connection!,
    rtp: [{ payload: format.payloadType, codec: format.encoding, rate: format.clockRate }],
    fmtp: format.fmtp ? [{ payload: format.payloadType, config: format.fmtp }] : [],
    rtcpFb: VIDEO_RTCP_FEEDBACK.map((fb) => ({ payload: format.payloadType, type: fb.type, ...('parameter' in fb ? { subtype: fb.parameter } : {}) })),
    ...(video.mid !== undefined ? { mid: video.mid } : {}),
    iceUfrag: audio.iceUfrag!,
    icePwd: audio.icePwd!,
    fingerprint: audio.fingerprint!,
    setup: audio.setup!,
    direction: 'sendonly',
    rtcpMux: 'rtcp-mux',
    ...(audio.rtcpRsize ? { rtcpRsize: audio.rtcpRsize } : {}),
    msid: [{ id: video.streamId, appdata: video.trackId }],
    ...(video.sender
      ? {
          ssrcs: [
            { id: video.sender.ssrc, attribute: 'cname', value: video.sender.cname },
            { id: video.sender.ssrc, attribute: 'msid', value: `${video.streamId} ${video.trackId}` },
          ],
        }
      : {}),
  };
}
