import { describe, expect, it } from 'vitest';
import { PIN_LOCKOUT, PinGuard, type PinGuardKeys } from '../../../src/camera/pin-guard.ts';
import { FakeClock } from '../../../src/core/clock.ts';

const MINUTE = 60_000;
const alice = { caller: '+4930123456', address: '192.0.2.1' };

function fail(guard: PinGuard, keys: PinGuardKeys, times: number) {
  let verdict = guard.recordFailure(keys);
  for (let i = 1; i < times; i++) verdict = guard.recordFailure(keys);
  return verdict;
}

describe('PinGuard', () => {
  it('compares PINs exactly (length and content)', () => {
    const guard = new PinGuard(new FakeClock());
    expect(guard.matches('4711', '4711')).toBe(true);
    expect(guard.matches('471', '4711')).toBe(false);
    expect(guard.matches('47110', '4711')).toBe(false);
    expect(guard.matches('4712', '4711')).toBe(false);
    expect(guard.matches('', '4711')).toBe(false);
  });

  it('locks a caller after 5 failures within 15 minutes, for 15 minutes', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    expect(fail(guard, alice, 4)).toEqual({ locked: false, remaining: 1 });
    expect(guard.lockedUntil(alice)).toBeNull();
    expect(guard.recordFailure(alice)).toEqual({ locked: true, until: clock.now() + 15 * MINUTE });
    clock.advance(15 * MINUTE - 1);
    expect(guard.lockedUntil(alice)).not.toBeNull();
    clock.advance(1);
    expect(guard.lockedUntil(alice)).toBeNull();
  });

  it('calls through a SIP provider count by caller only: the shared proxy address locks out nobody else', () => {
    const guard = new PinGuard(new FakeClock());
    const viaProvider = { caller: '+4930123456', address: null };
    fail(guard, viaProvider, 5);
    expect(guard.lockedUntil(viaProvider)).not.toBeNull();
    expect(guard.lockedUntil({ caller: '+4940999999', address: null })).toBeNull();
  });

  it('forgets failures older than the window', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    fail(guard, alice, 4);
    clock.advance(15 * MINUTE);
    expect(guard.recordFailure(alice)).toEqual({ locked: false, remaining: 4 });
  });

  it('counts per source address too (a scanner rotating caller IDs) and per caller (rotating addresses)', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    for (let i = 0; i < 5; i++) guard.recordFailure({ caller: `sip:scan${i}@x`, address: '203.0.113.9' });
    expect(guard.lockedUntil({ caller: 'sip:new@x', address: '203.0.113.9' })).not.toBeNull();
    expect(guard.lockedUntil({ caller: 'sip:new@x', address: '203.0.113.10' })).toBeNull();

    for (let i = 0; i < 5; i++) guard.recordFailure({ caller: 'sip:eve@x', address: `198.51.100.${i}` });
    expect(guard.lockedUntil({ caller: 'sip:eve@x', address: '198.51.100.200' })).not.toBeNull();
  });

  it('doubles the lock-out on repeated lock-outs, up to the cap', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    const durations: number[] = [];
    for (let round = 0; round < 10; round++) {
      const verdict = fail(guard, alice, 5);
      if (!verdict.locked) throw new Error('expected a lock-out');
      durations.push((verdict.until - clock.now()) / MINUTE);
      clock.advance(verdict.until - clock.now());
    }
    expect(durations.slice(0, 5)).toEqual([15, 30, 60, 120, 240]);
    expect(Math.max(...durations)).toBe(PIN_LOCKOUT.MAX_LOCK_MS / MINUTE);
  });

  it('lists what is locked out and lets the admin unlock the caller while its address stays locked', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    fail(guard, alice, PIN_LOCKOUT.MAX_FAILURES);
    const until = clock.now() + 15 * MINUTE;
    expect(guard.list()).toEqual(
      expect.arrayContaining([
        { key: 'caller:+4930123456', kind: 'caller', label: '+4930123456', lockedUntil: until },
        { key: 'ip:192.0.2.1', kind: 'address', label: '192.0.2.1', lockedUntil: until },
      ]),
    );
    expect(guard.unlock('caller:+4930123456')).toBe(true);
    expect(guard.unlock('caller:+4930123456')).toBe(false);
    expect(guard.lockedUntil({ caller: alice.caller, address: null })).toBeNull();
    expect(guard.lockedUntil(alice)).toBe(until); // the address is still locked
    expect(guard.unlock('ip:192.0.2.1')).toBe(true);
    expect(guard.list()).toEqual([]);
    // Failures were forgotten: one more wrong PIN does not lock again.
    expect(guard.recordFailure(alice)).toMatchObject({ locked: false });
  });

  it('a right PIN clears the caller\'s recent failures', () => {
    const guard = new PinGuard(new FakeClock());
    fail(guard, alice, 4);
    guard.recordSuccess(alice);
    expect(guard.recordFailure({ ...alice, address: '192.0.2.99' })).toEqual({ locked: false, remaining: 4 });
  });

  it('keeps memory bounded and keeps active lock-outs when pruning', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock, { ...PIN_LOCKOUT, MAX_TRACKED: 100 });
    fail(guard, alice, 5);
    for (let i = 0; i < 1000; i++) guard.recordFailure({ caller: `sip:c${i}@x`, address: `10.0.${i >> 8}.${i & 255}` });
    expect(guard.trackedCount).toBeLessThanOrEqual(100);
    expect(guard.lockedUntil(alice)).not.toBeNull();
  });
});
