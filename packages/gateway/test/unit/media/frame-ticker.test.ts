import { describe, expect, it } from 'vitest';

import { FakeClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { FrameTicker } from '../../../src/media/frame-ticker.ts';

const logger = createLogger('silent');

/** A clock whose timers fire `lateMs` after they are due, like a busy event loop. */
class LateClock extends FakeClock {
  lateMs = 0;
  override setTimeout(fn: () => void, ms: number) {
    return super.setTimeout(fn, ms + this.lateMs);
  }
}

describe('the shared 20 ms frame clock', () => {
  it('ticks every 20 ms without drift when each wake-up is late', () => {
    const clock = new LateClock(0);
    clock.lateMs = 3;
    const ticker = new FrameTicker({ logger, clock });
    const at: number[] = [];
    ticker.add(() => at.push(clock.now()));
    clock.advance(1000);
    // 1000 ms of 20 ms frames: 49-50 ticks whatever the per-wake-up delay.
    expect(at.length).toBeGreaterThanOrEqual(49);
    expect(at.length).toBeLessThanOrEqual(50);
    expect(ticker.stats.lateTicks).toBe(0);
  });

  it('catches up missed frames after a stall, and skips those beyond five frames (their numbers too)', () => {
    const clock = new LateClock(0);
    const ticker = new FrameTicker({ logger, clock });
    let ticks = 0;
    const frames: number[] = [];
    ticker.add((frame) => {
      ticks++;
      frames.push(frame);
    });
    clock.advance(100);
    expect(ticks).toBe(5);
    clock.lateMs = 200; // wake-ups from now on come 10 frames late
    clock.advance(400);
    // The tick due at 120 ms was already scheduled; the one due at 140 ms runs at 340 ms with
    // 11 frames due: 5 run back to back, 6 are skipped.
    expect(ticks).toBe(5 + 1 + 5);
    expect(ticker.stats.skippedFrames).toBe(6);
    expect(frames).toEqual([1, 2, 3, 4, 5, 6, /* 7-12 skipped */ 13, 14, 15, 16, 17]);
    expect(ticker.stats.lateTicks).toBeGreaterThan(0);
  });

  it('keeps ticking when one task throws, stops when the last task leaves, and clears its timer on close', () => {
    const clock = new FakeClock(0);
    const ticker = new FrameTicker({ logger, clock });
    let good = 0;
    const removeBad = ticker.add(() => {
      throw new Error('broken call');
    });
    const removeGood = ticker.add(() => good++);
    clock.advance(60);
    expect(good).toBe(3);
    removeBad();
    removeGood();
    expect(clock.pendingTimers).toBe(0);
    ticker.add(() => good++);
    ticker.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
