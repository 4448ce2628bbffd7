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
  readonly #history: OutputChange[] = [];

  constructor(
    readonly name: OutputName,
    private readonly clock: Clock,
  ) {
    super();
    this.#changedAt = clock.now();
  }

  get state(): OutputState {
    return { name: this.name, active: this.#active, changedAt: this.#changedAt };
  }

  /** Newest last, at most OUTPUT_HISTORY_LENGTH entries. */
  get history(): readonly OutputChange[] {
    return this.#history;
  }

  set(active: boolean, cause: string): void {
    this.clock.clearTimeout(this.#pulseEnd);
    this.#pulseEnd = undefined;
    this.#change(active, cause);
  }

  toggle(cause: string): void {
    this.set(!this.#active, cause);
  }

  /** On for `ms`, then off. A pulse while one runs restarts its time (a door opener held open). */
  pulse(ms: number, cause: string): void {
    this.set(true, cause);
    this.#pulseEnd = this.clock.setTimeout(() => {
      this.#pulseEnd = undefined;
      this.#change(false, 'pulse end');
    }, ms);
  }

  close(): void {
    this.clock.clearTimeout(this.#pulseEnd);
    this.#pulseEnd = undefined;
    this.removeAllListeners();
  }

  #change(active: boolean, cause: string): void {
    if (active === this.#active) return;
    this.#active = active;
    this.#changedAt = this.clock.now();
    const change = { active, at: this.#changedAt, cause };
    this.#history.push(change);
    if (this.#history.length > OUTPUT_HISTORY_LENGTH) this.#history.shift();
    this.safeEmit('change', this.state, change);
  }
}
