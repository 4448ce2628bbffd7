/**
 * First line of defence against SIP scanners, which "send bursts of 80+ requests per
 * second for days" (DESIGN.md): a token bucket per source IP, and silent drops for
 * requests whose User-Agent names a known attack tool. Silence matters: an answer tells
 * the scanner something lives here.
 *
 * A SIP provider's proxy sends every call from one address, so the addresses of the
 * registrars we register with are trusted (`trust()`): never rate limited.
 *
 * Scanner list: friendly-scanner / sipcli / sipvicious (SIPVicious svmap/svwar), VaxSIPUserAgent,
 * iWar, sip-scan, SIPScan, sundayddr, pplsip. Not sipsak or sipp: those are the
 * tools administrators (and our own tests) test with.
 */
import type { Clock } from '../../core/clock.ts';

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

export function isScannerUserAgent(userAgent: string | undefined): boolean {
  return userAgent !== undefined && SCANNER_USER_AGENT.test(userAgent);
}

export class IngressGuard {
  readonly #clock: Clock;
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, { tokens: number; updated: number; dropped: number }>();
  /** Trusted address -> how many holders trust it. */
  readonly #trusted = new Map<string, number>();
  #lastSweep: number;

  constructor(clock: Clock, limit: RateLimit = DEFAULT_RATE_LIMIT) {
    this.#clock = clock;
    this.#limit = limit;
    this.#lastSweep = clock.now();
  }

  /**
   * Takes a token for `address`. Returns 'admit', 'drop', or 'drop-first' for the first
   * drop since that source was last admitted (so callers log once per burst, not per packet).
   */
  admit(address: string): 'admit' | 'drop' | 'drop-first' {
    if (this.#trusted.has(unmapped(address))) return 'admit';
    const now = this.#clock.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(address) ?? { tokens: this.#limit.burst, updated: now, dropped: 0 };
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.#limit.ratePerSecond);
    bucket.updated = now;
    this.#buckets.set(address, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.dropped = 0;
      return 'admit';
    }
    return bucket.dropped++ === 0 ? 'drop-first' : 'drop';
  }

  /**
   * Exempts `address` from the limit until the returned function is called. Several holders
   * may trust the same address; it stays trusted until the last one releases it.
   */
  trust(address: string): () => void {
    const key = unmapped(address);
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

  #sweep(now: number): void {
    if (now - this.#lastSweep < FORGET_AFTER_MS) return;
    this.#lastSweep = now;
    for (const [address, bucket] of this.#buckets) {
      if (now - bucket.updated >= FORGET_AFTER_MS) this.#buckets.delete(address);
    }
  }
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; compare them as IPv4. */
function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
