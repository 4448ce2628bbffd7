/**
 * First line of defence against SIP scanners, which "send bursts of 80+ requests per
 * second for days" (DESIGN.md): a token bucket per source IP, and silent drops for
 * requests whose User-Agent names a known attack tool. Silence matters: an answer tells
 * the scanner something lives here.
 *
 * A SIP provider's proxy sends every call from one address, so the addresses of the
 * registrars we register with are trusted (`trust()`): never rate limited.
 *
 * Drops are logged once per burst per source: a line when the burst starts, and one with
 * the count when the source has been quiet (no drop) for `BURST_QUIET_MS`.
 *
 * Scanner list: friendly-scanner / sipcli / sipvicious (SIPVicious svmap/svwar), VaxSIPUserAgent,
 * iWar, sip-scan, SIPScan, sundayddr, pplsip. Not sipsak or sipp: those are the
 * tools administrators (and our own tests) test with.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { unmappedAddress } from './transport.ts';

export interface RateLimit {
  /** Sustained messages per second per source IP. */
  ratePerSecond: number;
  /** Bucket size: messages a source may send at once. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { ratePerSecond: 50, burst: 100 };

const SCANNER_USER_AGENT = /\b(?:friendly-scanner|sipcli|sipvicious|vaxsipuseragent|iwar|sip-scan|sipscan|sundayddr|pplsip)\b/i;

/** Buckets untouched this long are full again and can be forgotten. */
const FORGET_AFTER_MS = 60_000;
/** A burst of drops ends (and is summarised) once a source had nothing dropped for this long. */
export const BURST_QUIET_MS = 2_000;

interface Burst {
  started: number;
  lastDrop: number;
  dropped: number;
  timer: TimerHandle;
}

export function isScannerUserAgent(userAgent: string | undefined): boolean {
  return userAgent !== undefined && SCANNER_USER_AGENT.test(userAgent);
}

export class IngressGuard {
  readonly #clock: Clock;
  readonly #limit: RateLimit;
  readonly #log: Logger;
  readonly #buckets = new Map<string, { tokens: number; updated: number }>();
  /** Sources whose messages are being dropped right now. */
  readonly #bursts = new Map<string, Burst>();
  /** Trusted address -> how many holders trust it. */
  readonly #trusted = new Map<string, number>();
  #lastSweep: number;

  constructor(clock: Clock, log: Logger, limit: RateLimit = DEFAULT_RATE_LIMIT) {
    this.#clock = clock;
    this.#log = log;
    this.#limit = limit;
    this.#lastSweep = clock.now();
  }

  /** Takes a token for `address`: 'admit', or 'drop' (logged once per burst, see `BURST_QUIET_MS`). */
  admit(address: string): 'admit' | 'drop' {
    if (this.isTrusted(address)) return 'admit';
    const now = this.#clock.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(address) ?? { tokens: this.#limit.burst, updated: now };
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.#limit.ratePerSecond);
    bucket.updated = now;
    this.#buckets.set(address, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'admit';
    }
    this.#recordDrop(address, now);
    return 'drop';
  }

  /** Ends every burst (summarising it) and its timer. */
  close(): void {
    for (const address of [...this.#bursts.keys()]) this.#endBurst(address);
  }

  /** Whether `address` is exempt (a registrar we register with). */
  isTrusted(address: string): boolean {
    return this.#trusted.has(unmappedAddress(address));
  }

  /**
   * Exempts `address` from the limit until the returned function is called. Several holders
   * may trust the same address; it stays trusted until the last one releases it.
   */
  trust(address: string): () => void {
    const key = unmappedAddress(address);
    this.#trusted.set(key, (this.#trusted.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const holders = this.#trusted.get(key)! - 1;
      if (holders === 0) this.#trusted.delete(key);
      else this.#trusted.set(key, holders);
    };
  }

  #recordDrop(address: string, now: number): void {
    const burst = this.#bursts.get(address);
    if (burst) {
      burst.dropped++;
      burst.lastDrop = now;
      return;
    }
    this.#log.warn({ remoteAddress: address, ratePerSecond: this.#limit.ratePerSecond }, 'rate limit exceeded, dropping');
    this.#bursts.set(address, { started: now, lastDrop: now, dropped: 1, timer: this.#clock.setTimeout(() => this.#checkBurst(address), BURST_QUIET_MS) });
  }

  #checkBurst(address: string): void {
    const burst = this.#bursts.get(address);
    if (!burst) return;
    const quietFor = this.#clock.now() - burst.lastDrop;
    if (quietFor >= BURST_QUIET_MS) this.#endBurst(address);
    else burst.timer = this.#clock.setTimeout(() => this.#checkBurst(address), BURST_QUIET_MS - quietFor);
  }

  #endBurst(address: string): void {
    const burst = this.#bursts.get(address)!;
    this.#clock.clearTimeout(burst.timer);
    this.#bursts.delete(address);
    this.#log.warn({ remoteAddress: address, dropped: burst.dropped, durationMs: burst.lastDrop - burst.started }, 'rate limit burst ended');
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < FORGET_AFTER_MS) return;
    this.#lastSweep = now;
    for (const [address, bucket] of this.#buckets) {
      if (now - bucket.updated >= FORGET_AFTER_MS) this.#buckets.delete(address);
    }
  }
}
