/**
 * RTP packets (RFC 3550 §5.1) as the media layer meets them in Node: parsed from sockets and
 * mediasoup DirectTransport consumers, built for DirectTransport producers and RFC 4733
 * events. Only the fixed header is interpreted; CSRCs and a header extension are skipped
 * and padding is removed, so `payload` is exactly what the codec or the event parser reads.
 */
import { randomBytes } from 'node:crypto';

const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;

export interface RtpHeader {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
}

export interface RtpPacket extends RtpHeader {
  /** A view into the datagram (no copy). */
  readonly payload: Buffer;
}

/**
 * RFC 5761 §4: with RTP and RTCP on one port, a second byte of 192..223 (RTCP packet types
 * 200-207 and their marker-bit aliases) is RTCP; RTP payload types avoid 64-95 for that.
 */
export function isRtcp(datagram: Buffer): boolean {
  if (datagram.length < 2) return false;
  const secondByte = datagram[1]!;
  return secondByte >= 192 && secondByte <= 223;
}

/** Parses an RTP datagram; undefined when it is not a well-formed RTP version 2 packet. */
export function parseRtpPacket(datagram: Buffer): RtpPacket | undefined {
  if (datagram.length < RTP_HEADER_SIZE) return undefined;
  const first = datagram[0]!;
  if (first >> 6 !== RTP_VERSION) return undefined;
  const hasPadding = (first & 0x20) !== 0;
  const hasExtension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;
  let offset = RTP_HEADER_SIZE + 4 * csrcCount;
  if (hasExtension) {
    if (datagram.length < offset + 4) return undefined;
    const extensionWords = datagram.readUInt16BE(offset + 2);
    offset += 4 + 4 * extensionWords;
  }
  let end = datagram.length;
  if (hasPadding) {
    const paddingBytes = datagram[end - 1]!;
    if (paddingBytes === 0) return undefined;
    end -= paddingBytes;
  }
  if (offset > end) return undefined;
  const second = datagram[1]!;
  return {
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequenceNumber: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    ssrc: datagram.readUInt32BE(8),
    payload: datagram.subarray(offset, end),
  };
}

/** Builds a packet with the fixed 12-byte header (no CSRC, extension or padding). */
export function buildRtpPacket(header: RtpHeader, payload: Buffer): Buffer {
  const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
  packet[0] = RTP_VERSION << 6;
  packet[1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  packet.writeUInt16BE(header.sequenceNumber & 0xffff, 2);
  packet.writeUInt32BE(header.timestamp >>> 0, 4);
  packet.writeUInt32BE(header.ssrc >>> 0, 8);
  payload.copy(packet, RTP_HEADER_SIZE);
  return packet;
}

/** Rewrites sequence number, timestamp and SSRC of a relayed datagram in place. */
export function rewriteRtpHeader(datagram: Buffer, sequenceNumber: number, timestamp: number, ssrc: number): void {
  datagram.writeUInt16BE(sequenceNumber & 0xffff, 2);
  datagram.writeUInt32BE(timestamp >>> 0, 4);
  datagram.writeUInt32BE(ssrc >>> 0, 8);
}

/**
 * The packet with only the fixed header before its payload: CSRCs and header extensions
 * (mediasoup adds its own, RFC 8285) removed, for peers that never negotiated them. Works in
 * place (it runs for every packet to a phone): the fixed header moves up to the payload and
 * the result is a view of `datagram`.
 */
export function withFixedHeaderOnly(datagram: Buffer): Buffer {
  const first = datagram[0]!;
  if ((first & 0x1f) === 0) return datagram; // no extension, no CSRC
  const packet = parseRtpPacket(datagram);
  if (!packet) return datagram;
  const start = packet.payload.byteOffset - datagram.byteOffset - RTP_HEADER_SIZE;
  datagram.copyWithin(start, 0, RTP_HEADER_SIZE);
  datagram[start] = RTP_VERSION << 6; // no padding, extension or CSRC any more
  return datagram.subarray(start, start + RTP_HEADER_SIZE + packet.payload.length);
}

/** A random 32-bit SSRC (RFC 3550 §8.1: chosen randomly). */
export function randomSsrc(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** Signed distance from sequence number a to b, modulo 2^16 (RFC 3550 Appendix A.1). */
export function sequenceDelta(a: number, b: number): number {
  return ((((b - a) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}
