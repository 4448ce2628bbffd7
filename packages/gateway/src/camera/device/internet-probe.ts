import { connect } from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';

export type InternetStatus = 'online' | 'offline' | 'unknown';

/** The camera's view of its Internet connection (key 0, status page). */
export interface InternetProbe {
  readonly status: InternetStatus;
  /** Probes now and resolves with the fresh status. */
  check(): Promise<InternetStatus>;
  close(): void;
}

export interface TcpProbeTarget {
  host: string;
  port: number;
}

/**
 * No probe target configured: the status stays 'unknown'. The camera never picks a host on
 * the Internet by itself; which one to ask is the installer's choice.
 */
export const unconfiguredInternetProbe: InternetProbe = {
  status: 'unknown',
  check: () => Promise.resolve('unknown'),
  close: () => undefined,
};
const PROBE_TIMEOUT_MS = 3000;
const PROBE_INTERVAL_MS = 60_000;

export interface InternetProbeEvents extends Record<string, unknown[]> {
  change: [status: InternetStatus];
}

/**
 * Online when a TCP connection to the target opens within the timeout. Starts 'unknown',
 * probes at once and then every `intervalMs`.
 */
export class TcpInternetProbe extends TypedEmitter<InternetProbeEvents> implements InternetProbe {
  #status: InternetStatus = 'unknown';
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(
    private readonly target: TcpProbeTarget,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: { timeoutMs?: number; intervalMs?: number } = {},
  ) {
    super();
  }

  get status(): InternetStatus {
    return this.#status;
  }

  /** Begins periodic probing; resolves with the first result. */
  async start(): Promise<InternetStatus> {
    if (this.#closed || this.#timer) return this.#status;
    return this.#tick();
  }

  async check(): Promise<InternetStatus> {
    const reachable = await this.#connect();
    if (this.#closed) return this.#status;
    const status = reachable ? 'online' : 'offline';
    if (status !== this.#status) {
      this.#status = status;
      this.logger.info({ target: `${this.target.host}:${this.target.port}`, status }, 'internet status');
      this.safeEmit('change', status);
    }
    return status;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.removeAllListeners();
  }

  async #tick(): Promise<InternetStatus> {
    const status = await this.check();
    if (!this.#closed) this.#timer = this.clock.setTimeout(() => void this.#tick(), this.options.intervalMs ?? PROBE_INTERVAL_MS);
    return status;
  }

  #connect(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.target.host, port: this.target.port });
      const done = (reachable: boolean) => {
        socket.destroy();
        resolve(reachable);
      };
      socket.setTimeout(this.options.timeoutMs ?? PROBE_TIMEOUT_MS, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  }
}
