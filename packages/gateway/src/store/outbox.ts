import type { StoreChange } from '../cluster/store-changes.ts';
import type { Logger } from '../core/logger.ts';
import type { SqlDatabase } from './sql.ts';

/** Retry delays of a write the server did not take: 250 ms doubling to 5 s, until it is back. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/** The database server is unreachable: a read cannot be answered now (REST: 503). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(reason: string | null) {
    super(`database unreachable${reason ? `: ${reason}` : ''}`);
  }
}

/**
 * Every write of the store, in the order it was made, one at a time. A write that fails
 * because the server is gone (restart, network) is retried until it succeeds, and the ones
 * behind it wait: nothing is lost and nothing overtakes. Writes are idempotent (client-made
 * ids, ON CONFLICT, guarded updates), so a retry after a lost commit answer writes nothing twice.
 * Reads wait for the writes queued before them (a caller reads what it wrote).
 */
export class Outbox {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #closing = false;
  /** Ends the wait before the next retry at once (the server answered again). */
  #wake: (() => void) | undefined;
  /** Told of every committed write that other gateways should re-read. */
  onCommitted: (change: StoreChange) => void = () => undefined;
  /** Callers of committedOrQueued() told once the server is found unreachable. */
  readonly #onUnreachable = new Set<() => void>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly logger: Logger,
  ) {
    db.onHealthChange((health) => {
      if (health.reachable) return this.#wake?.();
      for (const notify of this.#onUnreachable) notify();
    });
  }

  /**
   * Queues a write; resolves with its result once committed, rejects on an error that is not
   * the connection's. `change`: what other gateways re-read once it is committed.
   */
  write<T>(label: string, work: (db: SqlDatabase) => Promise<T>, change?: StoreChange): Promise<T> {
    this.#pending += 1;
    const written = this.#tail.then(() => this.#attempt(label, work));
    if (change) written.then(() => this.onCommitted(change), () => undefined);
    this.#tail = written.then(
      () => (this.#pending -= 1),
      () => (this.#pending -= 1),
    );
    return written;
  }

  /**
   * Waits for a write of this outbox while that is worth it: resolves 'committed' once it is,
   * or 'queued' as soon as the server is found unreachable (the write stays queued and goes
   * when it is back), so an admin's request is answered at once instead of after the outage.
   * Rejects when the write fails for good.
   */
  committedOrQueued(write: Promise<unknown>): Promise<'committed' | 'queued'> {
    return new Promise((resolve, reject) => {
      const queued = () => resolve('queued');
      void write.then(() => resolve('committed'), reject).finally(() => this.#onUnreachable.delete(queued));
      if (this.db.health().reachable) this.#onUnreachable.add(queued);
      else queued();
    });
  }

  /**
   * A read after the writes queued so far; fails at once while the server is unreachable,
   * and as soon as a write it waits behind finds the server gone (it does not wait out the outage).
   */
  async read<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    if ((await this.committedOrQueued(this.#tail)) === 'queued') throw new DatabaseUnavailableError(this.db.health().error);
    return work(this.db);
  }

  /** Writes not yet committed. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once every write queued so far is committed (or failed for good). */
  async settled(): Promise<void> {
    await this.#tail;
  }

  /** Stops retrying: a closing gateway waits up to `timeoutMs` for the queue, then drops what is left (logged). */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.#tail.then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    this.#closing = true;
    if (result === 'timeout' && this.#pending > 0) this.logger.error({ writes: this.#pending }, 'database unreachable at shutdown; writes dropped');
  }

  async #attempt<T>(label: string, work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await work(this.db);
        if (attempt > 0) this.logger.info({ write: label, attempts: attempt + 1 }, 'database write done after retries');
        return result;
      } catch (error) {
        if (this.#closing || !this.db.isTransient(error)) {
          this.logger.error({ write: label, err: (error as Error).message }, 'database write failed');
          throw error;
        }
        if (attempt === 0) this.logger.warn({ write: label, err: (error as Error).message, queued: this.#pending }, 'database write waits for the server');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS));
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    }
  }
}

/** A write nobody waits for (the call path goes on at once): a failure is logged by the outbox already. */
export function inBackground(write: Promise<unknown>): void {
  write.catch(() => undefined);
}
