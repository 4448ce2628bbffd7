import { isIP } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { isMediaDirection, type MediaDirection } from './media-direction.ts';
import { SdpNegotiationError } from './sdp-negotiation-error.ts';

/** One payload format of an offered m=audio line. */
export interface OfferedFormat {
  readonly payloadType: number;
  /** Encoding name as written in a=rtpmap (case as offered). */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp: string | undefined;
}

/** The facts of an offer the media layer answers: its first usable m=audio section. */
export interface AudioOffer {
  readonly session: SessionDescription;
  /** Index of the answered m=audio section in `session.media`; the others are rejected. */
  readonly audioIndex: number;
  readonly media: MediaDescription;
  readonly formats: readonly OfferedFormat[];
  readonly direction: MediaDirection;
  /** Address from c= (media level wins); '0.0.0.0' is the RFC 2543 way to put a call on hold. */
  readonly address: string;
  readonly port: number;
  readonly rtcpMux: boolean;
  readonly ptime: number | undefined;
}

/** RFC 3551 §6 static payload types a phone may offer without a=rtpmap. */
const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, { encoding: string; clockRate: number }> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000 }],
  [8, { encoding: 'PCMA', clockRate: 8000 }],
  [9, { encoding: 'G722', clockRate: 8000 }],
  [13, { encoding: 'CN', clockRate: 8000 }],
  [18, { encoding: 'G729', clockRate: 8000 }],
]);

function parseSdp(sdp: string): SessionDescription {
  if (typeof sdp !== 'string' || !/^v=0\r?$/m.test(sdp)) throw new SdpNegotiationError('malformed', 'not an SDP body (no v=0 line)');
  try {
    return sdpTransform.parse(sdp);
  } catch (error) {
    throw new SdpNegotiationError('malformed', `unparsable SDP: ${(error as Error).message}`);
  }
}

/**
 * Picks the first m=audio section with a non-zero port whose protocol `acceptsProtocol`
 * allows and reads what an answer needs from it. Throws SdpNegotiationError when none.
 */
export function parseAudioOffer(sdp: string, acceptsProtocol: (protocol: string) => boolean): AudioOffer {
  const session = parseSdp(sdp);
  const audioIndex = session.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (audioIndex < 0) throw new SdpNegotiationError('no-audio', 'the offer has no active m=audio section');
  const media = session.media[audioIndex]!;
  if (!acceptsProtocol(media.protocol)) {
    throw new SdpNegotiationError('unsupported-transport', `m=audio uses unsupported protocol ${media.protocol}`);
  }
  for (const [index, m] of session.media.entries()) checkPort(m.port, index === audioIndex);
  const connection = media.connection ?? session.connection;
  if (!connection?.ip) throw new SdpNegotiationError('malformed', 'no c= line for m=audio');
  const address = checkAddress(connection.ip, connection.version);
  const direction = media.direction ?? session.direction ?? 'sendrecv';
  return {
    session,
    audioIndex,
    media,
    formats: offeredFormats(media),
    direction: isMediaDirection(direction) ? direction : 'sendrecv',
    address,
    port: media.port,
    rtcpMux: media.rtcpMux === 'rtcp-mux',
    ptime: media.ptime,
  };
}

/** The largest UDP port; sending to a port beyond it throws in Node (ERR_SOCKET_BAD_PORT). */
const MAX_PORT = 65535;

/**
 * RFC 4566 §5.14: a port is 0..65535; RFC 3264 §6 gives 0 one meaning, "this stream is
 * rejected", so the stream we answer must have a real one.
 */
function checkPort(port: unknown, answered: boolean): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new SdpNegotiationError('bad-address', `m= port ${String(port)} is not 0-${MAX_PORT}`);
  }
  if (answered && port === 0) throw new SdpNegotiationError('bad-address', 'm=audio port 0 is a rejected stream');
}

/**
 * The c= address media would be sent to: an IP literal of the version the line says, never
 * a host name (resolving it would let a caller make the camera do DNS lookups) and never a
 * group address (one INVITE must not make the camera send to many hosts). 0.0.0.0 and ::
 * stay: RFC 3264 §8.4 "do not send to me".
 */
export function checkAddress(address: string, version: number | undefined): string {
  const family = isIP(address);
  if (family === 0) throw new SdpNegotiationError('bad-address', `c= address ${address.slice(0, 64)} is not an IP address (host names are not resolved)`);
  if (version !== undefined && version !== family) throw new SdpNegotiationError('bad-address', `c= says IP${version} but ${address} is IPv${family}`);
  if (isGroupAddress(address, family)) throw new SdpNegotiationError('bad-address', `c= address ${address} is multicast or broadcast`);
  return address;
}

function isGroupAddress(address: string, family: number): boolean {
  if (family === 6) return /^ff/i.test(address);
  const first = Number(address.split('.')[0]);
  return (first >= 224 && first <= 239) || address === '255.255.255.255';
}

export function offeredFormats(media: MediaDescription): OfferedFormat[] {
  const payloadTypes = String(media.payloads ?? '')
    .split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  return payloadTypes.flatMap((payloadType): OfferedFormat[] => {
    const rtpmap = media.rtp.find((r) => r.payload === payloadType);
    const fmtp = media.fmtp.find((f) => f.payload === payloadType)?.config;
    if (rtpmap) {
      const channels = Number(rtpmap.encoding ?? 1);
      return [{ payloadType, encoding: rtpmap.codec, clockRate: rtpmap.rate ?? 8000, channels: channels > 0 ? channels : 1, fmtp }];
    }
    const known = STATIC_PAYLOAD_TYPES.get(payloadType);
    return known ? [{ payloadType, ...known, channels: 1, fmtp }] : [];
  });
}

/** RFC 4733 §7.1.1: the offered telephone-event format at the audio codec's clock rate. */
export function findTelephoneEvent(formats: readonly OfferedFormat[], clockRate: number): OfferedFormat | undefined {
  return formats.find((f) => f.encoding.toLowerCase() === 'telephone-event' && f.clockRate === clockRate);
}
