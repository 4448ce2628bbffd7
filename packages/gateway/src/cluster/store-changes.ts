import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';

/**
 * "This changed in the shared store": a node that committed a write says so, the others
 * re-read it from the store. Only the address of the change travels, never the data (the
 * store stays the one source of truth, a lost announcement costs only time).
 */
export const StoreChangeSchema = z.discriminatedUnion('topic', [
  /** Cameras added, changed or removed. */
  z.object({ topic: z.literal('cameras') }),
  /** One camera's stored Incoming and Outgoing Calls settings or its audio messages. */
  z.object({ topic: z.literal('camera'), cameraId: z.string().min(1).max(64) }),
  z.object({ topic: z.literal('email-profiles') }),
  z.object({ topic: z.literal('softphone-accounts') }),
  z.object({ topic: z.literal('admin-sessions') }),
  /** One lock-out record (a PIN, sign-in or digest guard's key). */
  z.object({ topic: z.literal('lockout'), key: z.string().min(1).max(1024) }),
]);
export type StoreChange = z.infer<typeof StoreChangeSchema>;

const AnnouncementSchema = z.object({ node: z.string(), change: StoreChangeSchema });

const CHANNEL = 'camgate:store-changes';
/** Reconnect forever, at most every 2 s (as the shared state does). */
const retryStrategy = (times: number) => Math.min(times * 200, 2000);

export interface StoreChangesEvents extends Record<string, unknown[]> {
  /** Another node committed this change. */
  change: [change: StoreChange];
}

/** How nodes tell each other what they wrote. */
export interface StoreChanges extends TypedEmitter<StoreChangesEvents> {
  /** Connects; never waits for a server that is away. */
  start(): Promise<void>;
  /** A write of this node was committed. */
  announce(change: StoreChange): void;
  close(): Promise<void>;
}

/** One gateway, or several without Redis: nothing is announced (other nodes find changes by re-reading). */
export class SilentStoreChanges extends TypedEmitter<StoreChangesEvents> implements StoreChanges {
  async start(): Promise<void> {}

  announce(): void {}

  async close(): Promise<void> {
    this.removeAllListeners();
  }
}

/**
 * Announcements over Redis pub/sub (channel `camgate:store-changes`). Fire and forget: while
 * Redis is away nothing is announced, and the periodic re-read catches up.
 */
export class RedisStoreChanges extends TypedEmitter<StoreChangesEvents> implements StoreChanges {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #log: Logger;

  constructor(
    url: string,
    private readonly node: string,
    logger: Logger,
  ) {
    super({ logger });
    this.#log = logger.child({ component: 'store-changes' });
    this.#pub = new Redis(url, { retryStrategy, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    this.#sub = new Redis(url, { retryStrategy, maxRetriesPerRequest: null, lazyConnect: true });
    // The shared state reports Redis being away; these connections just retry quietly.
    for (const client of [this.#pub, this.#sub]) client.on('error', () => undefined);
    this.#sub.on('message', (_channel: string, message: string) => this.#heard(message));
  }

  /** Connects and subscribes; an unreachable Redis is not an error here (ioredis keeps retrying, and resubscribes). */
  async start(): Promise<void> {
    await Promise.all([this.#pub.connect(), this.#sub.connect()].map((p) => p.catch(() => undefined)));
    // Queued until connected: start-up does not wait for an absent Redis.
    void this.#sub.subscribe(CHANNEL).catch(() => undefined);
  }

  announce(change: StoreChange): void {
    if (this.#pub.status !== 'ready') return;
    this.#pub.publish(CHANNEL, JSON.stringify({ node: this.node, change })).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#pub.disconnect();
    this.#sub.disconnect();
    this.removeAllListeners();
  }

  #heard(message: string): void {
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      value = undefined;
    }
    const parsed = AnnouncementSchema.safeParse(value);
    if (!parsed.success) {
      this.#log.warn('ignored a malformed store change announcement');
      return;
    }
    if (parsed.data.node !== this.node) this.safeEmit('change', parsed.data.change);
  }
}

/** How each kind of change is re-read from the store on this node. */
export type StoreChangeReaders = { [T in StoreChange['topic']]: (change: Extract<StoreChange, { topic: T }>) => Promise<void> };

/**
 * Keeps this node's in-memory copies in step with the shared store: re-reads what another
 * node announces at once, and everything every `everyMs` (announcements missed while Redis
 * was away, or no Redis at all). A read that fails (the database is away) is left to the next round.
 */
export class StoreFollower {
  #timer: NodeJS.Timeout | undefined;
  /** A round is running: a slow one (database timing out) is not piled up. */
  #reading = false;

  constructor(
    private readonly changes: StoreChanges,
    private readonly readers: StoreChangeReaders & { everything(): Promise<void> },
    private readonly logger: Logger,
  ) {
    changes.on('change', (change) => void this.#read(change));
  }

  /** Starts the periodic re-read (only a shared database needs it). */
  start(everyMs: number): void {
    this.#timer = setInterval(() => {
      if (this.#reading) return;
      this.#reading = true;
      this.readers
        .everything()
        .catch((error: unknown) => this.logger.debug({ err: (error as Error).message }, 'shared store re-read failed; next round retries'))
        .finally(() => (this.#reading = false));
    }, everyMs).unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #read(change: StoreChange): Promise<void> {
    try {
      await (this.readers[change.topic] as (c: StoreChange) => Promise<void>)(change);
    } catch (error) {
      this.logger.debug({ change, err: (error as Error).message }, 'announced store change not read; the periodic re-read catches up');
    }
  }
}
