import { describe, expect, it } from 'vitest';

import { buildRtpPacket, isRtcp, parseRtpPacket, rewriteRtpHeader, sequenceDelta, withFixedHeaderOnly } from '../../../src/media/rtp-packet.ts';

const header = { marker: true, payloadType: 111, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef };

describe('RTP packets (RFC 3550 §5.1)', () => {
  it('round-trips the fixed header and payload', () => {
    const packet = buildRtpPacket(header, Buffer.from([1, 2, 3]));
    expect(packet.length).toBe(15);
    expect(packet[0]).toBe(0x80);
    expect(parseRtpPacket(packet)).toEqual({ ...header, payload: Buffer.from([1, 2, 3]) });
  });

  it('skips CSRCs and a header extension and strips padding (§5.1, §5.3.1)', () => {
    const payload = Buffer.from([9, 8, 7]);
    const packet = Buffer.concat([
      Buffer.from([0x80 | 0x20 | 0x10 | 2, 0]), // V=2, P, X, CC=2, PT 0
      Buffer.from([0, 1, 0, 0, 0, 160, 0, 0, 0, 42]),
      Buffer.alloc(8), // two CSRCs
      Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]), // RFC 8285 one-byte extension, one word
      payload,
      Buffer.from([0, 0, 3]), // three bytes of padding, the last one counts them
    ]);
    const parsed = parseRtpPacket(packet)!;
    expect(parsed).toMatchObject({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 42 });
    expect(parsed.payload).toEqual(payload);
    expect(withFixedHeaderOnly(packet)).toEqual(buildRtpPacket(parsed, payload));
  });

  it.each([
    ['too short', Buffer.alloc(11, 0x80)],
    ['version 1', Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['extension beyond the end', Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9])],
    ['padding longer than the packet', Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200])],
  ])('rejects a datagram that is %s', (_what, datagram) => {
    expect(parseRtpPacket(datagram)).toBeUndefined();
  });

  it('tells RTCP from RTP on a muxed port by the packet type (RFC 5761 §4)', () => {
    expect(isRtcp(Buffer.from([0x80, 200]))).toBe(true); // SR
    expect(isRtcp(Buffer.from([0x81, 201]))).toBe(true); // RR
    expect(isRtcp(Buffer.from([0x80, 206]))).toBe(true); // PSFB
    expect(isRtcp(Buffer.from([0x80, 0]))).toBe(false); // PCMU
    expect(isRtcp(Buffer.from([0x80, 0x80 | 111]))).toBe(false); // Opus with marker
  });

  it('rewrites sequence number, timestamp and SSRC in place', () => {
    const packet = buildRtpPacket(header, Buffer.from([5]));
    rewriteRtpHeader(packet, 7, 8, 9);
    expect(parseRtpPacket(packet)).toMatchObject({ sequenceNumber: 7, timestamp: 8, ssrc: 9, marker: true, payloadType: 111 });
  });

  it('measures sequence distance across the 16-bit wrap (Appendix A.1)', () => {
    expect(sequenceDelta(65535, 0)).toBe(1);
    expect(sequenceDelta(0, 65535)).toBe(-1);
    expect(sequenceDelta(100, 90)).toBe(-10);
  });
});
