import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';

/**
 * Lock-out policy against PIN guessing (2N locks after 5 wrong codes; DESIGN.md).
 * Counted per caller and per source IP: a scanner rotating From headers is caught by its
 * address, a caller behind a shared NAT is caught by its identity.
 */
export interface PinLockoutPolicy {
  MAX_FAILURES: number;
  FAILURE_WINDOW_MS: number;
  BASE_LOCK_MS: number;
  MAX_LOCK_MS: number;
  LOCKOUT_MEMORY_MS: number;
  MAX_TRACKED: number;
}

export const PIN_LOCKOUT: Readonly<PinLockoutPolicy> = {
  MAX_FAILURES: 5,
  FAILURE_WINDOW_MS: 15 * 60_000,
  /** First lock-out; each further one doubles, up to MAX_LOCK_MS. */
  BASE_LOCK_MS: 15 * 60_000,
  MAX_LOCK_MS: 24 * 60 * 60_000,
  /** How long past lock-outs keep doubling the next one. */
  LOCKOUT_MEMORY_MS: 24 * 60 * 60_000,
  /** Tracked callers + addresses; beyond it the stalest entries are forgotten. */
  MAX_TRACKED: 10_000,
};

export interface PinGuardKeys {
  /** The caller as presented (number or sip:user@host). */
  caller: string;
  /**
   * Source IP of the signalling; null when it says nothing about the caller (calls through
   * a SIP provider all come from its proxy, so counting that address would lock out everyone).
   */
  address: string | null;
}

interface Tracked {
  /** Times of failures inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
  lockouts: number;
  lastLockoutAt: number;
}

export type FailureVerdict = { locked: false; remaining: number } | { locked: true; until: number };

export class PinGuard {
  /** Per-process key: both PINs are hashed with it so the comparison never depends on their content. */
  readonly #hmacKey = randomBytes(32);
  readonly #tracked = new Map<string, Tracked>();

  constructor(
    private readonly clock: Clock,
    private readonly policy: Readonly<PinLockoutPolicy> = PIN_LOCKOUT,
  ) {}

  /** Constant time in the PIN's content and length: equal-length HMACs compared with timingSafeEqual. */
  matches(entered: string, pin: string): boolean {
    const digest = (text: string) => createHmac('sha256', this.#hmacKey).update(text).digest();
    return timingSafeEqual(digest(entered), digest(pin));
  }

  /** The time the lock-out of this caller or address ends, or null when neither is locked. */
  lockedUntil(keys: PinGuardKeys): number | null {
    const now = this.clock.now();
    const until = Math.max(
      ...this.#keysOf(keys).map((key) => this.#tracked.get(key)?.lockedUntil ?? 0),
    );
    return until > now ? until : null;
  }

  /** Counts a wrong PIN against both keys; locks whichever reaches MAX_FAILURES in the window. */
  recordFailure(keys: PinGuardKeys): FailureVerdict {
    const now = this.clock.now();
    let lockedUntil = 0;
    let remaining = this.policy.MAX_FAILURES;
    for (const key of this.#keysOf(keys)) {
      const entry = this.#touch(key);
      entry.failures = entry.failures.filter((at) => now - at < this.policy.FAILURE_WINDOW_MS);
      entry.failures.push(now);
      if (entry.failures.length >= this.policy.MAX_FAILURES) {
        if (now - entry.lastLockoutAt > this.policy.LOCKOUT_MEMORY_MS) entry.lockouts = 0;
        entry.lockouts += 1;
        entry.lastLockoutAt = now;
        entry.failures = [];
        const duration = Math.min(this.policy.BASE_LOCK_MS * 2 ** (entry.lockouts - 1), this.policy.MAX_LOCK_MS);
        entry.lockedUntil = Math.max(entry.lockedUntil, now + duration);
      }
      lockedUntil = Math.max(lockedUntil, entry.lockedUntil > now ? entry.lockedUntil : 0);
      remaining = Math.min(remaining, this.policy.MAX_FAILURES - entry.failures.length);
    }
    this.#prune(now);
    return lockedUntil > 0 ? { locked: true, until: lockedUntil } : { locked: false, remaining };
  }

  /** A right PIN forgets this caller's recent failures (not the address's: others may share it). */
  recordSuccess(keys: PinGuardKeys): void {
    const entry = this.#tracked.get(`caller:${keys.caller}`);
    if (entry) entry.failures = [];
  }

  /** Callers and addresses locked out now, longest lock first: for the admin to see and unlock. */
  list(): { key: string; kind: 'caller' | 'address'; label: string; lockedUntil: number }[] {
    const now = this.clock.now();
    return [...this.#tracked]
      .filter(([, entry]) => entry.lockedUntil > now)
      .map(([key, entry]) => ({
        key,
        kind: key.startsWith('ip:') ? ('address' as const) : ('caller' as const),
        label: key.slice(key.indexOf(':') + 1),
        lockedUntil: entry.lockedUntil,
      }))
      .sort((a, b) => b.lockedUntil - a.lockedUntil);
  }

  /** The admin lifts a lock-out: it ends now and its failures are forgotten. False when `key` is not locked. */
  unlock(key: string): boolean {
    const entry = this.#tracked.get(key);
    if (!entry || entry.lockedUntil <= this.clock.now()) return false;
    entry.lockedUntil = 0;
    entry.failures = [];
    return true;
  }

  get trackedCount(): number {
    return this.#tracked.size;
  }

  #keysOf(keys: PinGuardKeys): string[] {
    return keys.address === null ? [`caller:${keys.caller}`] : [`caller:${keys.caller}`, `ip:${keys.address}`];
  }

  #touch(key: string): Tracked {
    const entry = this.#tracked.get(key) ?? { failures: [], lockedUntil: 0, lockouts: 0, lastLockoutAt: -Infinity };
    // Re-insert so the Map's order is least-recently-seen first.
    this.#tracked.delete(key);
    this.#tracked.set(key, entry);
    return entry;
  }

  #isStale(entry: Tracked, now: number): boolean {
    return (
      entry.lockedUntil <= now &&
      entry.failures.every((at) => now - at >= this.policy.FAILURE_WINDOW_MS) &&
      now - entry.lastLockoutAt > this.policy.LOCKOUT_MEMORY_MS
    );
  }

  /** Bounded memory: drop entries that no longer matter, then, if still too many, the least recently seen unlocked ones. */
  #prune(now: number): void {
    if (this.#tracked.size <= this.policy.MAX_TRACKED) return;
    for (const [key, entry] of this.#tracked) if (this.#isStale(entry, now)) this.#tracked.delete(key);
    for (const [key, entry] of this.#tracked) {
      if (this.#tracked.size <= this.policy.MAX_TRACKED) break;
      if (entry.lockedUntil <= now) this.#tracked.delete(key);
    }
    for (const key of this.#tracked.keys()) {
      if (this.#tracked.size <= this.policy.MAX_TRACKED) break;
      this.#tracked.delete(key);
    }
  }
}
