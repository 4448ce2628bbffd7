import * as sdpTransform from 'sdp-transform';
import type { MediaDescription } from 'sdp-transform';
import { FRAME_MS } from '../../audio/contracts.ts';
import type { AudioOffer, OfferedFormat } from './audio-offer.ts';
import type { MediaDirection } from './media-direction.ts';
import type { NegotiatedCodec } from './negotiated-codec.ts';
import { ipVersion, rejectedMedia } from './rejected-media.ts';

/** Plain RTP profiles (RFC 3551, RFC 4585) served to SIP phones; SDES-SRTP (RTP/SAVP) is not. */
const SIP_RTP_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF']);

/** Whether an offered m-line's protocol is one a SIP phone is served over. */
export function isSipRtpProfile(protocol: string): boolean {
  return SIP_RTP_PROFILES.has(protocol.toUpperCase());
}

/** RFC 4733 §3.2 events the camera understands: the 16 DTMF keys 0-9 * # A-D. */
const DTMF_EVENTS_FMTP = '0-15';

export interface SipAnswerParams {
  readonly offer: AudioOffer;
  readonly codec: NegotiatedCodec;
  /** Offered telephone-event format, echoed with the offerer's payload type. */
  readonly telephoneEvent: OfferedFormat | undefined;
  /** Address (c=, o=) and even RTP port of the RTP edge. */
  readonly address: string;
  readonly port: number;
  readonly direction: MediaDirection;
  /** The offer's m=video, when it has one. */
  readonly video?: SipVideoAnswer;
}

/** The camera's picture to a SIP phone: sent from its own RTP edge port, or refused (port 0, i=reason). */
export type SipVideoAnswer =
  | {
      readonly index: number;
      readonly port: number;
      /** The phone's payload type and encoding name; the fmtp describes what the camera sends. */
      readonly format: OfferedFormat;
      readonly fmtp: string | undefined;
      readonly rtcpMux: boolean;
    }
  | { readonly index: number; readonly unavailable: string };

/**
 * The RFC 3264 answer to a plain SIP phone: one codec (no mid-call codec switching for the
 * phone to surprise us with), telephone-event only if offered, ptime 20 because the camera
 * sends 20 ms frames whatever the offer asked for (received packets of any size are fine),
 * rtcp-mux echoed when offered (RTCP is accepted on both the RTP port and the next one).
 */
export function writeSipAnswer(params: SipAnswerParams, sessionId: string, version: number): string {
  const { offer, codec, telephoneEvent, address } = params;
  const ipVer = ipVersion(address);
  const audio: MediaDescription = {
    type: 'audio',
    port: params.port,
    protocol: offer.media.protocol,
    payloads: [codec.payloadType, ...(telephoneEvent ? [telephoneEvent.payloadType] : [])].join(' '),
    rtp: [
      { payload: codec.payloadType, codec: codec.name, rate: codec.clockRate },
      ...(telephoneEvent ? [{ payload: telephoneEvent.payloadType, codec: 'telephone-event', rate: telephoneEvent.clockRate }] : []),
    ],
    fmtp: telephoneEvent ? [{ payload: telephoneEvent.payloadType, config: DTMF_EVENTS_FMTP }] : [],
    ptime: FRAME_MS,
    direction: params.direction,
    ...(offer.rtcpMux ? { rtcpMux: 'rtcp-mux' as const } : {}),
  };
  const video = params.video;
  const answered = (m: MediaDescription, index: number): MediaDescription => {
    if (index === offer.audioIndex) return audio;
    if (video && index === video.index) return 'unavailable' in video ? { ...rejectedMedia(m), description: video.unavailable } : videoSection(m, video);
    return rejectedMedia(m);
  };
  return sdpTransform.write({
    version: 0,
    origin: { username: 'camgate', sessionId, sessionVersion: version, netType: 'IN', ipVer, address },
    name: 'camgate',
    connection: { version: ipVer, ip: address },
    timing: { start: 0, stop: 0 },
    media: offer.session.media.map(answered),
  });
}

/** sendonly H.264 (or VP8) as the source makes it; PLI and FIR are honoured (RFC 4585, RFC 5104). */
function videoSection(offered: MediaDescription, video: Exclude<SipVideoAnswer, { unavailable: string }>): MediaDescription {
  const pt = video.format.payloadType;
  return {
    type: 'video',
    port: video.port,
    protocol: offered.protocol,
    payloads: String(pt),
    rtp: [{ payload: pt, codec: video.format.encoding, rate: 90000 }],
    fmtp: video.fmtp ? [{ payload: pt, config: video.fmtp }] : [],
    rtcpFb: [{ payload: pt, type: 'nack', subtype: 'pli' }, { payload: pt, type: 'ccm', subtype: 'fir' }],
    direction: 'sendonly',
    ...(video.rtcpMux ? { rtcpMux: 'rtcp-mux' as const } : {}),
  };
}
