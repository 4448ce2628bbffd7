import { describe, expect, it } from 'vitest';

import { JitterBuffer, type JitterBufferPop } from '../../../src/audio/jitter-buffer.ts';

const payload = (seq: number): Buffer => Buffer.from([seq >> 8, seq & 0xff]);
const TS_STEP = 160;

function played(pops: JitterBufferPop[]): (number | 'lost' | 'empty')[] {
  return pops.map((p) => (p.kind === 'frame' ? p.sequenceNumber : p.kind));
}

describe('JitterBuffer', () => {
  it('holds the first packet for the target delay (40 ms = 2 frames), then plays in order', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40 });
    const pops: JitterBufferPop[] = [];
    for (let seq = 100; seq < 106; seq++) {
      jb.push(seq, seq * TS_STEP, payload(seq));
      pops.push(jb.pop());
    }
    expect(played(pops)).toEqual(['empty', 'empty', 100, 101, 102, 103]);
    const first = pops[2]!;
    expect(first.kind === 'frame' && [first.timestamp, first.payload.readUInt16BE(0)]).toEqual([100 * TS_STEP, 100]);
  });

  it('puts reordered packets back in sequence', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40 });
    const arrival = [1, 3, 2, 5, 4, 6, 8, 7, 9, 10];
    const out: JitterBufferPop[] = [];
    for (const seq of arrival) {
      jb.push(seq, seq * TS_STEP, payload(seq));
      out.push(jb.pop());
    }
    for (let i = 0; i < 4; i++) out.push(jb.pop());
    expect(played(out).filter((x) => typeof x === 'number')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(jb.stats.lost).toBe(0);
  });

  it('reports a missing packet as lost once later packets are there, and counts it', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40 });
    const out: JitterBufferPop[] = [];
    for (const seq of [1, 2, 4, 5, 6, 7]) {
      jb.push(seq, seq * TS_STEP, payload(seq));
      out.push(jb.pop());
    }
    out.push(jb.pop(), jb.pop());
    expect(played(out)).toEqual(['empty', 'empty', 1, 2, 'lost', 4, 5, 6]);
    expect(jb.stats.lost).toBe(1);
  });

  it('drops duplicates and packets that arrive after their turn (late), counting both', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40 });
    for (const seq of [1, 2, 3, 4]) jb.push(seq, seq * TS_STEP, payload(seq));
    jb.push(2, 2 * TS_STEP, payload(2)); // duplicate while buffered
    expect(played([jb.pop(), jb.pop(), jb.pop(), jb.pop()])).toEqual(['empty', 'empty', 1, 2]);
    jb.push(1, TS_STEP, payload(1)); // already played: late
    expect(jb.stats).toMatchObject({ duplicates: 1, late: 1, played: 2 });
  });

  it('follows the 16-bit sequence number across its wrap-around', () => {
    const jb = new JitterBuffer({ targetDelayMs: 20 });
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    const out: JitterBufferPop[] = [];
    for (const seq of seqs) {
      jb.push(seq, 0, payload(seq));
      out.push(jb.pop());
    }
    out.push(jb.pop());
    expect(played(out).filter((x) => typeof x === 'number')).toEqual(seqs);
    expect(jb.stats.resets).toBe(0);
  });

  it('restarts on a new SSRC or a big sequence jump (a different stream)', () => {
    const jb = new JitterBuffer({ targetDelayMs: 20 });
    for (const seq of [10, 11, 12]) jb.push(seq, 0, payload(seq), 0xaaaa);
    jb.push(500, 0, payload(500), 0xbbbb);
    expect(played([jb.pop(), jb.pop()])).toEqual(['empty', 500]);
    jb.push(30_000, 0, payload(30_000), 0xbbbb);
    expect(played([jb.pop(), jb.pop()])).toEqual(['empty', 30_000]);
    expect(jb.stats.resets).toBe(2);
  });

  it('stretches on an underrun (late burst) instead of skipping, then drains back to the target', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40, drainAfterMs: 200 });
    let seq = 0;
    const tick = (arrivals: number): JitterBufferPop => {
      for (let i = 0; i < arrivals; i++, seq++) jb.push(seq, seq * TS_STEP, payload(seq));
      return jb.pop();
    };
    for (let i = 0; i < 10; i++) tick(1);
    // Network stalls 100 ms, then delivers the backlog at once.
    const stall = [tick(0), tick(0), tick(0), tick(0), tick(0)];
    expect(played(stall).filter((x) => x === 'empty').length).toBeGreaterThan(0);
    tick(5);
    expect(jb.depthFrames).toBeGreaterThan(3);
    for (let i = 0; i < 100; i++) tick(1);
    expect(jb.depthFrames).toBeLessThanOrEqual(3);
    expect(jb.stats.lost).toBe(0);
    expect(jb.stats.dropped).toBeGreaterThan(0);
  });

  it('never holds more than maxDelayMs', () => {
    const jb = new JitterBuffer({ targetDelayMs: 40, maxDelayMs: 100 });
    for (let seq = 0; seq < 50; seq++) jb.push(seq, seq * TS_STEP, payload(seq));
    expect(jb.depthFrames).toBeLessThanOrEqual(5);
    expect(jb.stats.dropped).toBe(45);
  });

  it('rejects a max delay that leaves no room above the target', () => {
    expect(() => new JitterBuffer({ targetDelayMs: 60, maxDelayMs: 60 })).toThrow(/maxDelayMs/);
  });
});
