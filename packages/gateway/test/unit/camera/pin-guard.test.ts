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

  it('counts per source address (a scanner rotating caller IDs) and per caller from that address', () => {
    const guard = new PinGuard(new FakeClock());
    for (let i = 0; i < 5; i++) guard.recordFailure({ caller: `sip:scan${i}@x`, address: '203.0.113.9' });
    expect(guard.lockedUntil({ caller: 'sip:new@x', address: '203.0.113.9' })).not.toBeNull();
    expect(guard.lockedUntil({ caller: 'sip:new@x', address: '203.0.113.10' })).toBeNull();
  });

  it('a stranger presenting the owner\'s number from another address locks only himself out, never the owner', () => {
    const guard = new PinGuard(new FakeClock());
    const stranger = { caller: alice.caller, address: '198.51.100.66' };
    fail(guard, stranger, 5);
    expect(guard.lockedUntil(stranger)).not.toBeNull();
    expect(guard.lockedUntil(alice)).toBeNull();
    // Nor does rotating addresses with the owner's number add up against the owner.
    for (let i = 0; i < 20; i++) guard.recordFailure({ caller: alice.caller, address: `198.51.100.${i}` });
    expect(guard.lockedUntil(alice)).toBeNull();
  });

  it('through the provider, rotating From gives at most PROVIDER_MAX_FAILURES guesses: then PIN entry through the provider locks', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    for (let i = 0; i < PIN_LOCKOUT.PROVIDER_MAX_FAILURES - 1; i++) {
      expect(guard.recordFailure({ caller: `+49301234${i}`, address: null }).locked).toBe(false);
    }
    expect(guard.recordFailure({ caller: '+4930999', address: null })).toEqual({ locked: true, until: clock.now() + PIN_LOCKOUT.PROVIDER_LOCK_MS });
    expect(guard.lockedUntil({ caller: '+4930new', address: null })).not.toBeNull();
    expect(guard.lockedUntil(alice)).toBeNull(); // direct calls are unaffected
    expect(guard.list().find((l) => l.kind === 'provider')).toMatchObject({ lockedUntil: clock.now() + PIN_LOCKOUT.PROVIDER_LOCK_MS });
    clock.advance(PIN_LOCKOUT.PROVIDER_LOCK_MS);
    expect(guard.lockedUntil({ caller: '+4930new', address: null })).toBeNull();
  });

  it('lists active lock-outs and lifts one by its key', () => {
    const clock = new FakeClock();
    const guard = new PinGuard(clock);
    fail(guard, alice, 5);
    const list = guard.list();
    expect(list.map((l) => [l.kind, l.label]).sort()).toEqual([
      ['address', '192.0.2.1'],
      ['caller', '+4930123456 from 192.0.2.1'],
    ]);
    expect(list.every((l) => l.lockedUntil === clock.now() + PIN_LOCKOUT.BASE_LOCK_MS)).toBe(true);
    for (const { key } of list) expect(guard.unlock(key)).toBe(true);
    expect(guard.unlock(list[0]!.key)).toBe(false);
    expect(guard.unlock('no-such-key')).toBe(false);
    expect(guard.lockedUntil(alice)).toBeNull();
    expect(guard.list()).toEqual([]);
  });

  it('reserve() counts attempts in flight: parallel checks can never exceed the budget', () => {
    const guard = new PinGuard(new FakeClock());
    const attempts = Array.from({ length: 100 }, () => guard.reserve(alice));
    const admitted = attempts.filter((a) => a !== null);
    expect(admitted).toHaveLength(PIN_LOCKOUT.MAX_FAILURES);
    for (const attempt of admitted.slice(1)) attempt.fail();
    expect(admitted[0]!.succeed()).toBe(true); // four wrong ones do not lock
    expect(() => admitted[0]!.fail()).toThrow();

    // A lock-out that engages while an attempt is checked refuses it even when it is right.
    const pending = guard.reserve(alice)!;
    fail(guard, { caller: 'sip:other@x', address: alice.address }, 5);
    expect(pending.succeed()).toBe(false);
    expect(guard.reserve(alice)).toBeNull();
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
