import { describe, expect, it } from 'vitest';

import { FakeClock } from '../../../src/core/clock.ts';
import { RtpInactivityTimer } from '../../../src/media/rtp-inactivity-timer.ts';

function setup() {
  const clock = new FakeClock();
  let fired = 0;
  const timer = new RtpInactivityTimer({ clock, timeoutMs: 30_000, onTimeout: () => fired++ });
  return { clock, timer, fired: () => fired };
}

describe('RTP timeout of a call', () => {
  it('fires once after 30 s without caller packets, not while they keep coming', () => {
    const { clock, timer, fired } = setup();
    timer.expect(true);
    for (let t = 0; t < 60; t++) {
      clock.advance(1000);
      timer.touch();
    }
    expect(fired()).toBe(0);
    clock.advance(29_999);
    expect(fired()).toBe(0);
    clock.advance(1);
    expect(fired()).toBe(1);
    clock.advance(120_000);
    expect(fired()).toBe(1);
  });

  it('is suspended on hold and gives a full period again on resume', () => {
    const { clock, timer, fired } = setup();
    timer.expect(true);
    clock.advance(20_000);
    timer.expect(false);
    clock.advance(600_000);
    expect(fired()).toBe(0);
    timer.expect(true);
    clock.advance(29_000);
    expect(fired()).toBe(0);
    clock.advance(1000);
    expect(fired()).toBe(1);
  });

  it('leaves no timer behind when closed', () => {
    const { clock, timer } = setup();
    timer.expect(true);
    timer.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
