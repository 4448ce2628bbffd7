import { FRAME_MS } from '../audio/contracts.ts';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';

/** Wall-clock jumps (NTP) must not bend the audio clock: ticks follow performance.now(). */
const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: systemClock.setTimeout,
  clearTimeout: systemClock.clearTimeout,
};

/** A stall longer than this many frames is skipped instead of replayed in a burst. */
const MAX_CATCH_UP_FRAMES = 5;

export interface FrameTickerStats {
  ticks: number;
  /** Ticks that ran more than one frame after their deadline. */
  lateTicks: number;
  /** Frames dropped after a stall longer than MAX_CATCH_UP_FRAMES. */
  skippedFrames: number;
  maxLatenessMs: number;
  /** Time spent running tasks (the per-call work budget of the 20 ms clock). */
  busyMs: number;
}

/**
 * Runs once per frame with the frame's number; numbers skipped after a stall tell the
 * task how much time passed (RTP timestamps must jump by it, RFC 3550 §5.1).
 */
export type FrameTask = (frame: number) => void;

/**
 * The one 20 ms clock all calls share. Deadlines are computed from the start time, not
 * from the previous wake-up, so timer jitter never accumulates into drift; a late wake-up
 * runs the missed ticks back to back (catch-up). It only runs while tasks are registered.
 */
export class FrameTicker {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #periodMs: number;
  /** Each task with what its failure log names (the call) and whether it failed already. */
  readonly #tasks = new Map<FrameTask, { readonly context: Record<string, unknown>; failed: boolean }>();
  #timer: TimerHandle | undefined;
  #active = false;
  #origin = 0;
  #frame = 0;
  #closed = false;
  readonly #stats: FrameTickerStats = { ticks: 0, lateTicks: 0, skippedFrames: 0, maxLatenessMs: 0, busyMs: 0 };

  constructor(options: { logger: Logger; clock?: Clock; periodMs?: number }) {
    this.#logger = options.logger;
    this.#clock = options.clock ?? monotonicClock;
    this.#periodMs = options.periodMs ?? FRAME_MS;
  }

  get stats(): Readonly<FrameTickerStats> {
    return { ...this.#stats };
  }

  get taskCount(): number {
    return this.#tasks.size;
  }

  /** Registers a task run every period; returns the function that removes it. `context` (e.g. callId) goes into its failure log. */
  add(task: FrameTask, context: Record<string, unknown> = {}): () => void {
    if (this.#closed) throw new Error('FrameTicker is closed');
    this.#tasks.set(task, { context, failed: false });
    if (!this.#active) {
      this.#active = true;
      this.#origin = this.#clock.now();
      this.#frame = 1;
      this.#schedule();
    }
    return () => {
      this.#tasks.delete(task);
      if (this.#tasks.size === 0) this.#stop();
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tasks.clear();
    this.#stop();
  }

  #stop(): void {
    this.#active = false;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const deadline = this.#origin + this.#frame * this.#periodMs;
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), Math.max(0, deadline - this.#clock.now()));
  }

  #onTimer(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    let due = Math.floor((now - this.#origin) / this.#periodMs) - this.#frame + 1;
    if (due > MAX_CATCH_UP_FRAMES) {
      this.#stats.skippedFrames += due - MAX_CATCH_UP_FRAMES;
      this.#frame += due - MAX_CATCH_UP_FRAMES;
      due = MAX_CATCH_UP_FRAMES;
    }
    for (let i = 0; i < due && this.#tasks.size > 0; i++) {
      const lateness = now - (this.#origin + this.#frame * this.#periodMs);
      this.#stats.ticks++;
      if (lateness > this.#periodMs) this.#stats.lateTicks++;
      if (lateness > this.#stats.maxLatenessMs) this.#stats.maxLatenessMs = lateness;
      const frame = this.#frame++;
      const started = this.#clock.now();
      this.#runTasks(frame);
      this.#stats.busyMs += this.#clock.now() - started;
    }
    // A task may have stopped the ticker (last call closed) or restarted it (with a timer).
    if (this.#active && this.#timer === undefined) this.#schedule();
  }

  #runTasks(frame: number): void {
    for (const [task, entry] of this.#tasks) {
      try {
        task(frame);
      } catch (error) {
        // One call's broken frame must not silence every other call, nor log 50 times a second.
        if (!entry.failed) this.#logger.error({ ...entry.context, err: error }, 'frame task failed');
        entry.failed = true;
      }
    }
  }
}
