import type { ActionProfile } from '@camgate/protocol';
import type { Logger } from '../../core/logger.ts';
import type { Output } from './output.ts';

const ACTION_HTTP_TIMEOUT_MS = 5000;

/**
 * Runs an action profile (door opener, light) on its output and, when the profile has a
 * URL, calls it with GET (a real relay, home automation). The HTTP call never blocks or
 * fails the action: its outcome is only logged.
 */
export class ActionRunner {
  readonly #inFlight = new Map<AbortController, Promise<void>>();
  #closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly httpTimeoutMs = ACTION_HTTP_TIMEOUT_MS,
  ) {}

  run(output: Output, profile: ActionProfile, cause: string): void {
    switch (profile.mode) {
      case 'pulse':
      case 'on':
        // A timed "on" is a pulse; the schema guarantees a pulse its duration.
        if (profile.durationSeconds !== null) output.pulse(profile.durationSeconds * 1000, cause);
        else output.set(true, cause);
        break;
      case 'toggle':
        output.toggle(cause);
        break;
      case 'off':
        output.set(false, cause);
        break;
    }
    if (profile.httpUrl !== '' && !this.#closed) {
      const controller = new AbortController();
      const request = this.#get(output.name, profile.httpUrl, cause, controller.signal).finally(() => this.#inFlight.delete(controller));
      this.#inFlight.set(controller, request);
    }
  }

  /** Resolves when every HTTP call in flight has finished (tests, orderly shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.#inFlight.values());
  }

  close(): void {
    this.#closed = true;
    for (const controller of this.#inFlight.keys()) controller.abort();
  }

  /** `cause` ("call <Call-ID>" or "api") ties the log line to what triggered it. */
  async #get(output: string, url: string, cause: string, abort: AbortSignal): Promise<void> {
    const started = Date.now();
    try {
      const response = await fetch(url, {
        signal: AbortSignal.any([abort, AbortSignal.timeout(this.httpTimeoutMs)]),
        redirect: 'manual',
      });
      await response.body?.cancel();
      const log = { output, url, cause, status: response.status, ms: Date.now() - started };
      if (response.ok) this.logger.info(log, 'action URL called');
      else this.logger.warn(log, 'action URL answered with an error');
    } catch (error) {
      this.logger.warn({ output, url, cause, err: (error as Error).message }, 'action URL failed');
    }
  }
}
