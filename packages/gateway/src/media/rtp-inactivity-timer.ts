import type { Clock, TimerHandle } from '../core/clock.ts';

/**
 * The RTP timeout of a call (as Asterisk's rtptimeout): fires once when no caller audio
 * arrived for `timeoutMs` while audio is expected. Packets only record their arrival time
 * (no timer work per packet); the timer re-arms itself for the remaining time when it
 * finds a more recent packet. Suspended while the call is on hold.
 */
export class RtpInactivityTimer {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onTimeout: () => void;
  #timer: TimerHandle | undefined;
  #lastActivity: number;
  #expecting = false;
  #fired = false;

  constructor(options: { clock: Clock; timeoutMs: number; onTimeout: () => void }) {
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs;
    this.#onTimeout = options.onTimeout;
    this.#lastActivity = this.#clock.now();
  }

  /** A caller packet arrived. */
  touch(): void {
    this.#lastActivity = this.#clock.now();
  }

  /** Runs the check while true; switching it on gives the caller a full period again. */
  expect(expecting: boolean): void {
    if (expecting === this.#expecting || this.#fired) return;
    this.#expecting = expecting;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (expecting) {
      this.#lastActivity = this.#clock.now();
      this.#arm(this.#timeoutMs);
    }
  }

  close(): void {
    this.#expecting = false;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => this.#check(), ms);
  }

  #check(): void {
    this.#timer = undefined;
    const silentFor = this.#clock.now() - this.#lastActivity;
    if (silentFor < this.#timeoutMs) {
      this.#arm(this.#timeoutMs - silentFor);
      return;
    }
    this.#fired = true;
    this.#expecting = false;
    this.#onTimeout();
  }
}
