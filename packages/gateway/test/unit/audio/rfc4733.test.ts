import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  Rfc4733Receiver,
  encodeTelephoneEvent,
  keyPressPackets,
  parseTelephoneEvent,
} from '../../../src/audio/dtmf/rfc4733.ts';
import { DTMF_KEYS, type DtmfKey } from '../../../src/audio/dtmf/keys.ts';
import { readRtpCapture } from './pcap.ts';

const SIPP_CAPTURES = '/usr/share/sip-tester';

const event = (key: number, end: boolean, duration: number): Buffer =>
  encodeTelephoneEvent({ event: key, end, volume: 10, duration });

function receiveAll(receiver: Rfc4733Receiver, packets: readonly [number, Buffer][]): DtmfKey[] {
  return packets.map(([ts, payload]) => receiver.receive(ts, payload)).filter((k): k is DtmfKey => k !== null);
}

describe('RFC 4733 telephone-event payload (§2.3)', () => {
  it('parses event, end bit, volume and duration', () => {
    expect(parseTelephoneEvent(Buffer.from('018a08c0', 'hex'))).toEqual({ event: 1, end: true, volume: 10, duration: 2240 });
    expect(parseTelephoneEvent(Buffer.from('0b0a0140', 'hex'))).toEqual({ event: 11, end: false, volume: 10, duration: 320 });
  });

  it('encodes what it parses', () => {
    const e = { event: 10, end: true, volume: 7, duration: 800 };
    expect(parseTelephoneEvent(encodeTelephoneEvent(e))).toEqual(e);
  });

  it('rejects a payload shorter than 4 bytes', () => {
    expect(() => parseTelephoneEvent(Buffer.from([1, 2]))).toThrow(/4 bytes/);
  });
});

describe('Rfc4733Receiver: each key press reported once', () => {
  it('reports the key on the first packet; updates and the three end packets add nothing', () => {
    const r = new Rfc4733Receiver();
    const keys = receiveAll(r, [
      [8000, event(5, false, 0)],
      [8000, event(5, false, 400)],
      [8000, event(5, false, 800)],
      [8000, event(5, true, 960)],
      [8000, event(5, true, 960)],
      [8000, event(5, true, 960)],
    ]);
    expect(keys).toEqual(['5']);
  });

  it('counts retransmitted start packets once (same timestamp)', () => {
    const r = new Rfc4733Receiver();
    expect(receiveAll(r, [[160, event(1, false, 0)], [160, event(1, false, 0)], [160, event(1, false, 0)]])).toEqual(['1']);
  });

  it('still reports a key whose start packet was lost, and end packets arriving late count once', () => {
    const r = new Rfc4733Receiver();
    const keys = receiveAll(r, [
      [1000, event(9, false, 400)], // start lost
      [1000, event(9, true, 800)],
      [5000, event(9, false, 0)], // the same key pressed again: a new timestamp
      [1000, event(9, true, 800)], // late retransmission of the first press's end
      [5000, event(9, true, 800)],
    ]);
    expect(keys).toEqual(['9', '9']);
  });

  it('maps events 10-15 to *, #, A-D and ignores non-DTMF events (e.g. 16 flash)', () => {
    const r = new Rfc4733Receiver();
    const keys = receiveAll(r, [10, 11, 12, 13, 14, 15, 16].map((e, i) => [i * 1000, event(e, true, 800)]));
    expect(keys).toEqual(['*', '#', 'A', 'B', 'C', 'D']);
    expect(r.ignored).toBe(1);
  });

  it('ignores malformed payloads without throwing', () => {
    const r = new Rfc4733Receiver();
    expect(r.receive(0, Buffer.from([1]))).toBeNull();
    expect(r.ignored).toBe(1);
  });

  it('does not count the next segment of a long event as a new press (§2.5.1.3)', () => {
    const r = new Rfc4733Receiver();
    const keys = receiveAll(r, [
      [0, event(0, false, 0)],
      [0, event(0, false, 0xffff)],
      [0xffff, event(0, false, 400)],
      [0xffff, event(0, true, 800)],
    ]);
    expect(keys).toEqual(['0']);
  });

  it('handles the RTP timestamp wrapping around 2^32', () => {
    const r = new Rfc4733Receiver();
    expect(receiveAll(r, [[0xffffff00, event(3, true, 800)], [0x100, event(4, true, 800)]])).toEqual(['3', '4']);
  });

  const captures = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'star', 'pound'];
  it.skipIf(!existsSync(SIPP_CAPTURES)).each(captures)('reads the key from sipp capture dtmf_2833_%s.pcap exactly once', (name) => {
    const packets = readRtpCapture(`${SIPP_CAPTURES}/dtmf_2833_${name}.pcap`).filter((p) => p.payloadType === 101);
    expect(packets.length).toBeGreaterThan(3);
    const r = new Rfc4733Receiver();
    const keys = packets.map((p) => r.receive(p.timestamp, p.payload)).filter((k) => k !== null);
    expect(keys).toEqual([name === 'star' ? '*' : name === 'pound' ? '#' : name]);
  });
});

describe('keyPressPackets: the sender side (§2.5.1)', () => {
  it('sends a start packet with the marker, updates every 50 ms, then the end packet three times', () => {
    const packets = keyPressPackets('#', { durationMs: 120 });
    expect(packets.map((p) => p.sendAtMs)).toEqual([0, 50, 100, 120, 140, 160]);
    expect(packets.map((p) => p.marker)).toEqual([true, false, false, false, false, false]);
    const parsed = packets.map((p) => parseTelephoneEvent(p.payload));
    expect(parsed.map((e) => e.event)).toEqual([11, 11, 11, 11, 11, 11]);
    expect(parsed.map((e) => e.duration)).toEqual([0, 400, 800, 960, 960, 960]);
    expect(parsed.map((e) => e.end)).toEqual([false, false, false, true, true, true]);
  });

  it('uses the RTP clock of the session (e.g. 48 kHz next to Opus)', () => {
    const last = keyPressPackets('1', { durationMs: 100, clockRate: 48_000 }).at(-1)!;
    expect(parseTelephoneEvent(last.payload).duration).toBe(4800);
  });

  it('round-trips every key through the receiver once per press', () => {
    const r = new Rfc4733Receiver();
    const received: DtmfKey[] = [];
    DTMF_KEYS.forEach((key, i) => {
      const timestamp = 10_000 + i * 1600;
      for (const p of keyPressPackets(key)) {
        const k = r.receive(timestamp, p.payload);
        if (k) received.push(k);
      }
    });
    expect(received).toEqual([...DTMF_KEYS]);
  });

  it('refuses a duration that does not fit one event segment', () => {
    expect(() => keyPressPackets('1', { durationMs: 10_000 })).toThrow(/durationMs/);
    expect(() => keyPressPackets('1', { durationMs: 0 })).toThrow(/durationMs/);
  });
});
