import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { systemClock, type Clock } from '../core/clock.ts';
import { Respawner } from '../core/respawner.ts';
import { InvalidStateError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import { ROUTER_MEDIA_CODECS } from './router-codecs.ts';

/** Delay before another try when a replacement worker fails to spawn. */
const RESPAWN_RETRY_MS = 1000;

export interface WorkerPoolOptions {
  readonly logger: Logger;
  /** Worker processes (each uses up to one core). */
  readonly size: number;
  /** UDP ports the workers take for WebRTC and internal plain transports. */
  readonly rtcMinPort: number;
  readonly rtcMaxPort: number;
  readonly clock?: Clock;
}

export type WorkerPoolEvents = {
  /** A worker process died; its routers (and every call on them) are gone. */
  workerdied: [pid: number, error: Error];
  /** A replacement worker is up. */
  workerstarted: [pid: number];
};

/** mediasoup worker processes, kept at `size`: a worker that dies is replaced. */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #workers = new Map<ms.Worker, { routers: number }>();
  readonly #respawner: Respawner;
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
    this.#respawner = new Respawner({
      clock: options.clock ?? systemClock,
      retryMs: RESPAWN_RETRY_MS,
      spawn: () => this.#spawn(),
      onFailure: (error) => options.logger.error({ err: error }, 'could not start a replacement mediasoup worker; retrying'),
    });
  }

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    options.logger.info({ mediasoupVersion: mediasoup.version, workers: options.size }, 'starting mediasoup workers');
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.#spawn()));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get mediasoupVersion(): string {
    return mediasoup.version;
  }

  get pids(): number[] {
    return [...this.#workers.keys()].map((w) => w.pid);
  }

  /** Routers per running worker, by pid. */
  get load(): Map<number, number> {
    return new Map([...this.#workers].map(([worker, load]) => [worker.pid, load.routers]));
  }

  /** A Router with the camera codecs on the worker with the fewest (one per camera: cameras spread over the cores). */
  async createRouter(): Promise<ms.Router> {
    if (this.#closed) throw new InvalidStateError('worker pool is closed');
    let best: [ms.Worker, { routers: number }] | undefined;
    for (const entry of this.#workers) if (!best || entry[1].routers < best[1].routers) best = entry;
    if (!best) throw new InvalidStateError('no mediasoup worker is running');
    const [worker, load] = best;
    const router = await worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
    load.routers++;
    router.observer.once('close', () => load.routers--);
    return router;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#respawner.close();
    for (const worker of this.#workers.keys()) worker.close();
    this.#workers.clear();
    this.removeAllListeners();
  }

  async #spawn(): Promise<void> {
    const { logger, rtcMinPort, rtcMaxPort } = this.#options;
    const worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort, rtcMaxPort });
    if (this.#closed) {
      worker.close();
      return;
    }
    this.#workers.set(worker, { routers: 0 });
    logger.info({ pid: worker.pid, mediasoupVersion: mediasoup.version }, 'mediasoup worker started');
    worker.on('died', (error) => this.#onDied(worker, error));
    this.safeEmit('workerstarted', worker.pid);
  }

  #onDied(worker: ms.Worker, error: Error): void {
    this.#workers.delete(worker);
    this.#options.logger.error({ pid: worker.pid, err: error }, 'mediasoup worker died; replacing it');
    this.safeEmit('workerdied', worker.pid, error);
    this.#respawner.respawn();
  }

}
