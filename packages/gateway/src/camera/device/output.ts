import type { OutputName, OutputState } from '@camgate/protocol';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';

/** One change of an output, kept for the history view. */
export interface OutputChange {
  active: boolean;
  at: number;
  /** Who changed it: 'call <callId>', 'api', 'pulse end'. */
  cause: string;
}

const OUTPUT_HISTORY_LENGTH = 50;

export interface OutputEvents extends Record<string, unknown[]> {
  change: [state: OutputState, change: OutputChange];
}

/** A switched output of the camera (the door opener relay, the light). */
export class Output extends TypedEmitter<OutputEvents> {
  #active = false;
  #changedAt: number;
  #pulseEnd: TimerHandle | undefined;
  #offAt: number | null = null;
  readonly #history: OutputChange[] = [];

  constructor(
    readonly name: OutputName,
    private readonly clock: Clock,
  ) {
    super();
    this.#changedAt = clock.now();
  }

  get state(): OutputState {
    return { name: this.name, active: this.#active, changedAt: this.#changedAt, offAt: this.#offAt };
  }

  /** Newest last, at most OUTPUT_HISTORY_LENGTH entries. */
  get history(): readonly OutputChange[] {
    return this.#history;
  }

  /** Sets the output with no time limit (ends a running pulse). */
  set(active: boolean, cause: string): void {
    const hadTime = this.#cancelPulse();
    this.#change(active, cause, hadTime);
  }

  /** Flips the output; the new state has no time limit. */
  toggle(cause: string): void {
    this.set(!this.#active, cause);
  }

  /** On for `ms`, then off. A pulse while one runs restarts its time (a door opener held open). */
  pulse(ms: number, cause: string): void {
    this.#cancelPulse();
    this.#offAt = this.clock.now() + ms;
    this.#pulseEnd = this.clock.setTimeout(() => {
      this.#pulseEnd = undefined;
      this.#offAt = null;
      this.#change(false, 'pulse end');
    }, ms);
    // Announced even when already on: the new off time is news to the status.
    this.#change(true, cause, true);
  }

  close(): void {
    this.#cancelPulse();
    this.removeAllListeners();
  }

  /** Stops a running pulse's timer; true when there was one. */
  #cancelPulse(): boolean {
    this.clock.clearTimeout(this.#pulseEnd);
    this.#pulseEnd = undefined;
    const hadTime = this.#offAt !== null;
    this.#offAt = null;
    return hadTime;
  }

  /** `announceAlways`: the state is news even if `active` is unchanged (its off time changed). */
  #change(active: boolean, cause: string, announceAlways = false): void {
    const switched = active !== this.#active;
    if (!switched && !announceAlways) return;
    const change = { active, at: this.clock.now(), cause };
    if (switched) {
      this.#active = active;
      this.#changedAt = change.at;
      this.#history.push(change);
      if (this.#history.length > OUTPUT_HISTORY_LENGTH) this.#history.shift();
    }
    this.safeEmit('change', this.state, change);
  }
}
