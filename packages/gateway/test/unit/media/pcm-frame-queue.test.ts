import { describe, expect, it } from 'vitest';

import { PcmFrameQueue } from '../../../src/media/pcm-frame-queue.ts';

const ramp = (from: number, length: number) => Int16Array.from({ length }, (_, i) => from + i);

describe('cutting decoded packets into 20 ms engine frames', () => {
  it('turns 30 ms packets (ptime 30) into seamless 20 ms frames, two packets per three frames', () => {
    const queue = new PcmFrameQueue();
    const frames: Int16Array[] = [];
    let next = 0;
    for (let tick = 0; tick < 6; tick++) {
      if (!queue.hasFrame) {
        queue.push(ramp(next, 240));
        next += 240;
      }
      frames.push(queue.shift());
    }
    expect(next).toBe(4 * 240);
    const joined = frames.flatMap((f) => [...f]);
    expect(joined).toEqual([...ramp(0, 960)]);
  });

  it('pads a short remainder with silence', () => {
    const queue = new PcmFrameQueue();
    queue.push(ramp(1, 100));
    const frame = queue.shift();
    expect(frame.length).toBe(160);
    expect(frame[99]).toBe(100);
    expect(frame[100]).toBe(0);
  });
});
