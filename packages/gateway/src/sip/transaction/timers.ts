/**
 * RFC 3261 17 / Table 4 transaction timers, plus RFC 6026 timers L and M, all derived from
 * the three base values T1, T2 and T4. The defaults are the RFC's; a stack may shorten
 * them (tests do: with T1 = 50 ms an accepted INVITE transaction ends after 3.2 s, not 32 s).
 *
 * Timers that only absorb retransmissions (D, I, J, K) are zero on reliable transports,
 * where there is nothing to absorb; A, E and G (retransmissions) only run over UDP.
 */
import { ValidationError } from '../../core/errors.ts';

export interface BaseTimers {
  /** RTT estimate (default 500 ms). */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  readonly T2: number;
  /** Maximum duration a message will remain in the network (default 5 s). */
  readonly T4: number;
}

export const RFC3261_TIMERS: BaseTimers = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

const DURATION: Readonly<Record<TimerName, (t: BaseTimers) => number>> = {
  /** INVITE request retransmit interval, initially (UDP only; doubles). */
  A: (t) => t.T1,
  /** INVITE transaction timeout. */
  B: (t) => 64 * t.T1,
  /**
   * Wait time for response retransmissions (INVITE client, Completed): "at least 32 s",
   * the span of the server's Timer H it waits out, so 64*T1.
   */
  D: (t) => 64 * t.T1,
  /** Non-INVITE request retransmit interval, initially (UDP only; doubles up to T2). */
  E: (t) => t.T1,
  /** Non-INVITE transaction timeout. */
  F: (t) => 64 * t.T1,
  /** INVITE response retransmit interval, initially (UDP only; doubles up to T2). */
  G: (t) => t.T1,
  /** Wait time for ACK receipt. */
  H: (t) => 64 * t.T1,
  /** Wait time for ACK retransmissions. */
  I: (t) => t.T4,
  /** Wait time for non-INVITE request retransmissions. */
  J: (t) => 64 * t.T1,
  /** Wait time for non-INVITE response retransmissions. */
  K: (t) => t.T4,
  /** RFC 6026: wait time for accepted INVITE request retransmissions (server). */
  L: (t) => 64 * t.T1,
  /** RFC 6026: wait time for retransmissions of 2xx responses (client). */
  M: (t) => 64 * t.T1,
};

const ABSORB_ONLY: ReadonlySet<TimerName> = new Set(['D', 'I', 'J', 'K']);

/** Duration (ms) of timer `name` for base values `base` over a reliable or unreliable transport. */
export function timerDuration(name: TimerName, base: BaseTimers, reliable: boolean): number {
  return reliable && ABSORB_ONLY.has(name) ? 0 : DURATION[name](base);
}

/** The RFC defaults with `overrides` applied; throws ValidationError for values that make no sense. */
export function baseTimers(overrides: Partial<BaseTimers> = {}): BaseTimers {
  const timers = { ...RFC3261_TIMERS, ...overrides };
  for (const name of ['T1', 'T2', 'T4'] as const) {
    if (!(Number.isFinite(timers[name]) && timers[name] > 0)) throw new ValidationError(`timers.${name}`, 'must be a positive number of milliseconds');
  }
  if (timers.T2 < timers.T1) throw new ValidationError('timers.T2', 'must not be below T1');
  return Object.freeze(timers);
}
