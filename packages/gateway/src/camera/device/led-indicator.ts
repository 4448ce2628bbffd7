import type { LedState } from '@camgate/protocol';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';

/**
 * Which call's state the LEDs show when several calls run: the one most engaged with the
 * camera (someone in front of it should know that a caller can act or listen). 'error'
 * (a failed command, a lock-out) wins for ERROR_SHOW_MS.
 */
const PRIORITY: Record<LedState, number> = { idle: 0, ringing: 1, pin: 2, connected: 3, executing: 4, error: 5 };

export const ERROR_SHOW_MS = 2000;

/** The LED state that wins among several (the same camera's calls on several gateways). */
export function brightestLed(states: Iterable<LedState>): LedState {
  let brightest: LedState = 'idle';
  for (const state of states) if (PRIORITY[state] > PRIORITY[brightest]) brightest = state;
  return brightest;
}

export interface LedIndicatorEvents extends Record<string, unknown[]> {
  led: [state: LedState];
}

/** The camera's LEDs in VoIP mode (help page, "LED Signals When in VoIP Mode"), over all calls. */
export class LedIndicator extends TypedEmitter<LedIndicatorEvents> {
  #state: LedState = 'idle';
  readonly #calls = new Map<string, LedState>();
  #errorUntil: TimerHandle | undefined;

  constructor(private readonly clock: Clock) {
    super();
  }

  get state(): LedState {
    return this.#state;
  }

  /** A call's own LED state; null when the call is gone. */
  setCall(callId: string, state: Exclude<LedState, 'error'> | null): void {
    if (state === null || state === 'idle') this.#calls.delete(callId);
    else this.#calls.set(callId, state);
    this.#update();
  }

  /** Shows 'error' for ERROR_SHOW_MS, then whatever the calls say. */
  flashError(): void {
    this.clock.clearTimeout(this.#errorUntil);
    this.#errorUntil = this.clock.setTimeout(() => {
      this.#errorUntil = undefined;
      this.#update();
    }, ERROR_SHOW_MS);
    this.#update();
  }

  close(): void {
    this.clock.clearTimeout(this.#errorUntil);
    this.#errorUntil = undefined;
    this.#calls.clear();
    this.#transition('idle');
    this.removeAllListeners();
  }

  #update(): void {
    this.#transition(this.#errorUntil ? 'error' : brightestLed(this.#calls.values()));
  }

  /** Every LED state can follow every other (it mirrors calls); a change is emitted once. */
  #transition(next: LedState): void {
    if (next === this.#state) return;
    this.#state = next;
    this.safeEmit('led', next);
  }
}
