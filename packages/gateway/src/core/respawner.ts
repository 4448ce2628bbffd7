import type { Clock, TimerHandle } from './clock.ts';

/**
 * Starts a replacement for something that died (a mediasoup worker, an audio thread) and,
 * when the start fails, tries again after `retryMs` until it works or `close()` is called.
 */
export class Respawner {
  readonly #timers = new Set<TimerHandle>();
  #closed = false;

  constructor(
    private readonly options: {
      readonly clock: Clock;
      readonly retryMs: number;
      readonly spawn: () => Promise<unknown>;
      /** A start failed; another try follows after retryMs. */
      readonly onFailure: (error: unknown) => void;
    },
  ) {}

  respawn(): void {
    if (this.#closed) return;
    this.options.spawn().catch((error: unknown) => {
      this.options.onFailure(error);
      const timer = this.options.clock.setTimeout(() => {
        this.#timers.delete(timer);
        this.respawn();
      }, this.options.retryMs);
      this.#timers.add(timer);
    });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) this.options.clock.clearTimeout(timer);
    this.#timers.clear();
  }
}
