import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Lockout } from '@camgate/protocol';
import type { Clock } from '../core/clock.ts';
import { within } from '../core/within.ts';
import type { LockoutRecord, LockoutRepository } from '../store/lockout-repository.ts';
import { inBackground } from '../store/outbox.ts';

/**
 * Lock-out policy against guessing (2N locks after 5 wrong codes; DESIGN.md), for PINs,
 * admin sign-ins and softphone digests alike (one guard each).
 *
 * What each key can prove decides how it is keyed:
 *  - a direct call (or sign-in) has a source address: failures count per address, and per
 *    caller as presented *from that address*. The From header is forgeable, so a caller name
 *    alone is never a key: a stranger presenting the owner's number from elsewhere locks
 *    only himself out, never the owner.
 *  - a call through the SIP provider registration arrives from the provider's proxy, so the
 *    address says nothing: failures count per caller as presented, and all such calls share
 *    one per-camera budget (PROVIDER_MAX_FAILURES per PROVIDER_WINDOW_MS). Rotating From
 *    therefore buys at most that many guesses; once it is spent, PIN entry through the
 *    provider is locked for PROVIDER_LOCK_MS. Trade-off: a stranger calling through the
 *    provider can thereby lock the owner's provider calls out for that long; direct and
 *    browser calls are unaffected, and the admin can lift it (DELETE /api/lockouts/:key).
 */
export interface PinLockoutPolicy {
  MAX_FAILURES: number;
  FAILURE_WINDOW_MS: number;
  BASE_LOCK_MS: number;
  MAX_LOCK_MS: number;
  LOCKOUT_MEMORY_MS: number;
  MAX_TRACKED: number;
  PROVIDER_MAX_FAILURES: number;
  PROVIDER_WINDOW_MS: number;
  PROVIDER_LOCK_MS: number;
}

export const PIN_LOCKOUT: Readonly<PinLockoutPolicy> = {
  MAX_FAILURES: 5,
  FAILURE_WINDOW_MS: 15 * 60_000,
  /** First lock-out; each further one doubles, up to MAX_LOCK_MS. */
  BASE_LOCK_MS: 15 * 60_000,
  MAX_LOCK_MS: 24 * 60 * 60_000,
  /** How long past lock-outs keep doubling the next one. */
  LOCKOUT_MEMORY_MS: 24 * 60 * 60_000,
  /** Tracked keys; beyond it the stalest entries are forgotten. */
  MAX_TRACKED: 10_000,
  /** Wrong PINs through the provider, all callers together, before its PIN entry locks. */
  PROVIDER_MAX_FAILURES: 20,
  PROVIDER_WINDOW_MS: 60 * 60_000,
  PROVIDER_LOCK_MS: 60 * 60_000,
};

export interface PinGuardKeys {
  /** The caller as presented (number or sip:user@host), or the user name signing in. */
  caller: string;
  /**
   * Source IP of the signalling; null when it says nothing about the caller (calls through
   * a SIP provider all come from its proxy, so counting that address would lock out everyone).
   */
  address: string | null;
}

export interface PinGuardOptions {
  /** Prefix of this guard's keys in the store ('pin', 'login', 'digest'). */
  scope?: string;
  /** Persistence: lock-outs survive restarts. Without it they live in memory only. */
  repository?: LockoutRepository;
}

/** How long a check waits for the stored records of its keys before it goes on with what it knows. */
export const LOCKOUT_SYNC_WAIT_MS = 1000;

export type FailureVerdict = { locked: false; remaining: number } | { locked: true; until: number };

/** An attempt counted before its (slow) check; settle it exactly once. */
export interface PendingAttempt {
  /** The check failed: a failure is recorded. */
  fail(): FailureVerdict;
  /** The check passed; false when a lock-out engaged meanwhile (then refuse anyway). */
  succeed(): boolean;
}

interface KeyRule {
  maxFailures: number;
  windowMs: number;
  lockMs(lockouts: number): number;
}

interface GuardKey {
  key: string;
  kind: Lockout['kind'];
  label: string;
}

export class PinGuard {
  /** Per-process key: both PINs are hashed with it so the comparison never depends on their content. */
  readonly #hmacKey = randomBytes(32);
  readonly #tracked = new Map<string, LockoutRecord>();
  /** Attempts being checked right now, per key (not persisted: they end with the process). */
  readonly #pending = new Map<string, number>();
  readonly #scope: string;
  readonly #repository: LockoutRepository | undefined;
  readonly #rule: KeyRule;
  readonly #providerRule: KeyRule;
  /** Changes made here so far: a sync that raced one keeps memory (it is being written through). */
  #changes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly policy: Readonly<PinLockoutPolicy> = PIN_LOCKOUT,
    options: PinGuardOptions = {},
  ) {
    this.#scope = options.scope ?? 'pin';
    this.#repository = options.repository;
    this.#rule = {
      maxFailures: policy.MAX_FAILURES,
      windowMs: policy.FAILURE_WINDOW_MS,
      lockMs: (lockouts) => Math.min(policy.BASE_LOCK_MS * 2 ** (lockouts - 1), policy.MAX_LOCK_MS),
    };
    this.#providerRule = { maxFailures: policy.PROVIDER_MAX_FAILURES, windowMs: policy.PROVIDER_WINDOW_MS, lockMs: () => policy.PROVIDER_LOCK_MS };
    for (const record of this.#repository?.load(`${this.#scope}:`) ?? []) this.#tracked.set(record.key, record);
  }

  /** Constant time in the PIN's content and length: equal-length HMACs compared with timingSafeEqual. */
  matches(entered: string, pin: string): boolean {
    const digest = (text: string) => createHmac('sha256', this.#hmacKey).update(text).digest();
    return timingSafeEqual(digest(entered), digest(pin));
  }

  /**
   * Reads this attempt's keys from the store before a check: other gateways sharing the
   * database count the same caller's failures. Bounded; on an unreachable database the
   * guard goes on with what it knows.
   */
  async sync(keys: PinGuardKeys): Promise<void> {
    await this.reload(this.#keysOf(keys).map(({ key }) => key));
  }

  /** Takes the stored records of these keys (those of this guard's scope), e.g. announced by another gateway. */
  async reload(keys: readonly string[]): Promise<void> {
    const mine = keys.filter((key) => key.startsWith(`${this.#scope}:`));
    if (!this.#repository || mine.length === 0) return;
    const changes = this.#changes;
    const stored = await within(this.#repository.fetch(mine), LOCKOUT_SYNC_WAIT_MS);
    if (!stored || changes !== this.#changes) return;
    for (const key of mine) {
      const record = stored.get(key);
      if (record) this.#tracked.set(key, record);
      else this.#tracked.delete(key);
    }
  }

  /** The time the lock-out of any key of this attempt ends, or null when none is locked. */
  lockedUntil(keys: PinGuardKeys): number | null {
    const now = this.clock.now();
    const until = Math.max(0, ...this.#keysOf(keys).map(({ key }) => this.#tracked.get(key)?.lockedUntil ?? 0));
    return until > now ? until : null;
  }

  /** Counts a failure against every key; locks whichever reaches its budget in its window. */
  recordFailure(keys: PinGuardKeys): FailureVerdict {
    const now = this.clock.now();
    let lockedUntil = 0;
    let remaining = Infinity;
    this.#changes += 1;
    for (const guardKey of this.#keysOf(keys)) {
      const rule = this.#ruleOf(guardKey);
      const entry = this.#touch(guardKey);
      entry.failures = entry.failures.filter((at) => now - at < rule.windowMs);
      entry.failures.push(now);
      if (entry.failures.length >= rule.maxFailures) {
        if (now - entry.lastLockoutAt > this.policy.LOCKOUT_MEMORY_MS) entry.lockouts = 0;
        entry.lockouts += 1;
        entry.lastLockoutAt = now;
        entry.failures = [];
        entry.lockedUntil = Math.max(entry.lockedUntil, now + rule.lockMs(entry.lockouts));
      }
      if (this.#repository) inBackground(this.#repository.save(entry));
      lockedUntil = Math.max(lockedUntil, entry.lockedUntil > now ? entry.lockedUntil : 0);
      remaining = Math.min(remaining, rule.maxFailures - entry.failures.length);
    }
    this.#prune(now);
    return lockedUntil > 0 ? { locked: true, until: lockedUntil } : { locked: false, remaining };
  }

  /** A right PIN forgets this caller's recent failures (not the address's: others may share it). */
  recordSuccess(keys: PinGuardKeys): void {
    this.#changes += 1;
    for (const guardKey of this.#keysOf(keys)) {
      const entry = this.#tracked.get(guardKey.key);
      if (guardKey.kind !== 'caller' || !entry) continue;
      entry.failures = [];
      if (this.#repository) inBackground(this.#repository.save(entry));
    }
  }

  /**
   * For checks that await (a password hash): counts the attempt before the check runs, so
   * parallel attempts can never exceed the budget. Null when locked, or when the attempts
   * already failed plus those in flight use up a key's budget.
   */
  reserve(keys: PinGuardKeys): PendingAttempt | null {
    if (this.lockedUntil(keys) !== null) return null;
    const now = this.clock.now();
    const guardKeys = this.#keysOf(keys);
    for (const guardKey of guardKeys) {
      const rule = this.#ruleOf(guardKey);
      const failures = this.#tracked.get(guardKey.key)?.failures.filter((at) => now - at < rule.windowMs).length ?? 0;
      if (failures + (this.#pending.get(guardKey.key) ?? 0) >= rule.maxFailures) return null;
    }
    for (const { key } of guardKeys) this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    let settled = false;
    const settle = () => {
      if (settled) throw new Error('attempt already settled');
      settled = true;
      for (const { key } of guardKeys) {
        const n = (this.#pending.get(key) ?? 1) - 1;
        if (n > 0) this.#pending.set(key, n);
        else this.#pending.delete(key);
      }
    };
    return {
      fail: () => {
        settle();
        return this.recordFailure(keys);
      },
      succeed: () => {
        settle();
        if (this.lockedUntil(keys) !== null) return false;
        this.recordSuccess(keys);
        return true;
      },
    };
  }

  /** Active lock-outs, the one ending last first. */
  list(): Lockout[] {
    const now = this.clock.now();
    return [...this.#tracked.values()]
      .filter((entry) => entry.lockedUntil > now)
      .map(({ key, kind, label, lockedUntil }) => ({ key, kind, label, lockedUntil }))
      .sort((a, b) => b.lockedUntil - a.lockedUntil);
  }

  /** Lifts one lock-out (and forgets its failures); false when `key` is not locked. */
  unlock(key: string): boolean {
    const entry = this.#tracked.get(key);
    if (!entry || entry.lockedUntil <= this.clock.now()) return false;
    this.#changes += 1;
    this.#tracked.delete(key);
    if (this.#repository) inBackground(this.#repository.delete(key));
    return true;
  }

  get trackedCount(): number {
    return this.#tracked.size;
  }

  #keysOf({ caller, address }: PinGuardKeys): GuardKey[] {
    const scope = this.#scope;
    const keys: GuardKey[] =
      address === null
        ? [
            { key: `${scope}:caller:${caller} via provider`, kind: 'caller', label: `${caller} (through the SIP provider)` },
            { key: `${scope}:provider`, kind: 'provider', label: 'every caller through the SIP provider' },
          ]
        : [
            { key: `${scope}:address:${address}`, kind: 'address', label: address },
            { key: `${scope}:caller:${caller} from ${address}`, kind: 'caller', label: `${caller} from ${address}` },
          ];
    return keys;
  }

  #ruleOf(guardKey: GuardKey): KeyRule {
    return guardKey.kind === 'provider' ? this.#providerRule : this.#rule;
  }

  #touch({ key, kind, label }: GuardKey): LockoutRecord {
    const entry = this.#tracked.get(key) ?? { key, kind, label, failures: [], lockedUntil: 0, lockouts: 0, lastLockoutAt: -Infinity };
    // Re-insert so the Map's order is least-recently-seen first.
    this.#tracked.delete(key);
    this.#tracked.set(key, entry);
    return entry;
  }

  #isStale(entry: LockoutRecord, now: number): boolean {
    return (
      entry.lockedUntil <= now &&
      entry.failures.every((at) => now - at >= Math.max(this.policy.FAILURE_WINDOW_MS, this.policy.PROVIDER_WINDOW_MS)) &&
      now - entry.lastLockoutAt > this.policy.LOCKOUT_MEMORY_MS
    );
  }

  /** Bounded memory: drop entries that no longer matter, then, if still too many, the least recently seen unlocked ones. */
  #prune(now: number): void {
    if (this.#tracked.size <= this.policy.MAX_TRACKED) return;
    const forget = (key: string) => {
      this.#tracked.delete(key);
      if (this.#repository) inBackground(this.#repository.delete(key));
    };
    for (const [key, entry] of this.#tracked) if (this.#isStale(entry, now)) forget(key);
    for (const [key, entry] of this.#tracked) {
      if (this.#tracked.size <= this.policy.MAX_TRACKED) break;
      if (entry.lockedUntil <= now) forget(key);
    }
    for (const key of this.#tracked.keys()) {
      if (this.#tracked.size <= this.policy.MAX_TRACKED) break;
      forget(key);
    }
  }
}
