/** Re-renders the host once a second while running: call timers and countdowns. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class TickController implements ReactiveController {
  /** Epoch ms of the last tick. */
  now = Date.now();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Ticks while `running` is true; call it from the host's `updated()`. */
  run(running: boolean): void {
    if (running && this.#timer === null) {
      this.now = Date.now();
      this.#timer = setInterval(() => {
        this.now = Date.now();
        this.host.requestUpdate();
      }, 1000);
    } else if (!running) {
      this.stop();
    }
  }

  hostDisconnected(): void {
    this.stop();
  }

  private stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
