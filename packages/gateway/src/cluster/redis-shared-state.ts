import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import type { SharedStateHealth } from '@camgate/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import type { z } from 'zod';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import {
  newerSettings,
  NodeLiveSchema,
  SharedSettingsSchema,
  type NodeCameraLive,
  type NodeLive,
  type SharedSettings,
  type SharedState,
  type SharedStateEvents,
} from './shared-state.ts';

/**
 * How often a node refreshes its live state, how long it lives without a refresh (a dead
 * node's calls vanish after this), how long changes are gathered before they go out, and
 * how long start-up waits for Redis before running on its own.
 */
export const REDIS_SHARED_STATE_TIMINGS = { heartbeatMs: 2000, liveTtlMs: 6000, publishDelayMs: 50, connectWaitMs: 3000 } as const;
export type RedisSharedStateTimings = { [K in keyof typeof REDIS_SHARED_STATE_TIMINGS]: number };

const PREFIX = 'camgate:';
const liveKey = (node: string) => `${PREFIX}live:${node}`;
const LIVE_CHANNEL = `${PREFIX}live`;
const SETTINGS_KEY = `${PREFIX}settings`;
const SETTINGS_CHANNEL = `${PREFIX}settings`;
const SECRET_KEY = `${PREFIX}digest-secret`;
/** Reconnect forever, at most every 2 s: Redis coming back is picked up without a restart. */
const retryStrategy = (times: number) => Math.min(times * 200, 2000);

/**
 * Writes a camera's settings only when they are newer than the stored ones (by `at`, then
 * node), and announces them; else returns the stored ones. Atomic, so two nodes coming back
 * at once cannot overwrite a newer change with an older one.
 */
const SETTINGS_CAS = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local c = cjson.decode(current)
  local n = cjson.decode(ARGV[2])
  if c.at > n.at or (c.at == n.at and c.node >= n.node) then return current end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1`;

export interface RedisSharedStateOptions {
  url: string;
  node: string;
  clock: Clock;
  logger: Logger;
  timings?: Partial<RedisSharedStateTimings>;
}

/**
 * Shared state in Redis. Each node keeps what it last heard (peers' live state, settings,
 * the nonce secret) and answers from it; Redis being away only stops the exchange:
 * the node says "unreachable", reconnects by itself, then republishes its own state and
 * reads everyone else's.
 *
 * Keys: `camgate:live:<node>` (JSON, expires unless refreshed), hash `camgate:settings`
 * (camera id -> JSON), `camgate:digest-secret`; channels `camgate:live`, `camgate:settings`.
 */
export class RedisSharedState extends TypedEmitter<SharedStateEvents> implements SharedState {
  readonly node: string;
  readonly #o: RedisSharedStateOptions;
  readonly #timings: RedisSharedStateTimings;
  readonly #log: Logger;
  /** Commands; fails at once while disconnected (nothing waits for Redis on the call path). */
  readonly #cmd: Redis;
  /** Subscriptions (a subscribed connection takes no other commands). */
  readonly #sub: Redis;
  /** socket.io's adapter connections, made on demand. */
  #adapterClients: Redis[] = [];
  #health: SharedStateHealth = 'unreachable';
  #secret = randomBytes(32);
  #own: NodeLive;
  #ownJson = '';
  readonly #peers = new Map<string, { live: NodeLive; json: string; expiresAt: number }>();
  /** The newest settings known per camera: written again after a reconnect (the newest wins there), so a Redis restart loses none. */
  readonly #settings = new Map<string, SharedSettings>();
  #publishTimer: TimerHandle | undefined;
  #heartbeat: TimerHandle | undefined;
  #resyncRunning = false;
  /** Connected and our state republished since: the shared state is usable. */
  #synced = false;
  readonly #firstSync: Promise<void>;
  #onFirstSync: () => void = () => undefined;
  #warned = false;
  #closed = false;

  constructor(o: RedisSharedStateOptions) {
    super({ logger: o.logger });
    this.#o = o;
    this.node = o.node;
    this.#timings = { ...REDIS_SHARED_STATE_TIMINGS, ...o.timings };
    this.#log = o.logger.child({ component: 'shared-state' });
    this.#own = { node: o.node, cameras: {} };
    this.#firstSync = new Promise((resolve) => (this.#onFirstSync = resolve));
    const common: RedisOptions = { retryStrategy, connectTimeout: 2000, lazyConnect: true };
    this.#cmd = new Redis(o.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.#sub = new Redis(o.url, { ...common, maxRetriesPerRequest: null });
    for (const client of [this.#cmd, this.#sub]) {
      client.on('error', (error: Error) => this.#onError(error));
      client.on('ready', () => this.#onReady());
      client.on('close', () => {
        this.#synced = false;
        this.#updateHealth();
      });
    }
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
  }

  get health(): SharedStateHealth {
    return this.#health;
  }

  async start(): Promise<void> {
    await Promise.all([this.#cmd.connect(), this.#sub.connect()].map((p) => p.catch(() => undefined)));
    void this.#sub.subscribe(LIVE_CHANNEL, SETTINGS_CHANNEL).catch(() => undefined);
    await Promise.race([this.#firstSync, new Promise((resolve) => setTimeout(resolve, this.#timings.connectWaitMs).unref())]);
    if (this.#health !== 'ok') this.#log.warn({ url: redactUrl(this.#o.url) }, 'shared state unreachable at start; running on this node\'s own state and retrying');
    this.#scheduleHeartbeat();
  }

  /** A socket.io adapter on two more connections: room broadcasts reach every node's sockets. */
  socketAdapter(): ReturnType<typeof createAdapter> {
    const pub = new Redis(this.#o.url, { retryStrategy, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const sub = new Redis(this.#o.url, { retryStrategy, maxRetriesPerRequest: null });
    for (const client of [pub, sub]) client.on('error', (error: Error) => this.#onError(error));
    this.#adapterClients = [pub, sub];
    // Requests between nodes (an admin's audio mode for another node's call) give up before the UI does.
    return createAdapter(quietPublisher(pub), sub, { requestsTimeout: 2000 });
  }

  publishLive(cameras: NodeLive['cameras']): void {
    this.#own = { node: this.node, cameras };
    if (this.#publishTimer || this.#closed) return;
    this.#publishTimer = this.#o.clock.setTimeout(() => {
      this.#publishTimer = undefined;
      void this.#writeLive(true);
    }, this.#timings.publishDelayMs);
  }

  peerLive(cameraId: string): { node: string; live: NodeCameraLive }[] {
    const now = this.#o.clock.now();
    const found: { node: string; live: NodeCameraLive }[] = [];
    for (const [node, peer] of this.#peers) {
      const live = peer.live.cameras[cameraId];
      if (live && peer.expiresAt > now) found.push({ node, live });
    }
    return found;
  }

  publishSettings(cameraId: string, settings: SharedSettings): void {
    this.#settings.set(cameraId, settings);
    if (this.#health === 'ok') void this.#writeSettings(cameraId, settings);
  }

  settings(cameraId: string): SharedSettings | undefined {
    return this.#settings.get(cameraId);
  }

  forgetSettings(cameraId: string): void {
    if (!this.#settings.delete(cameraId) || this.#health !== 'ok') return;
    const forget = JSON.stringify({ cameraId, forget: true });
    void this.#cmd.multi().hdel(SETTINGS_KEY, cameraId).publish(SETTINGS_CHANNEL, forget).exec().catch((error: unknown) => this.#onError(error as Error));
  }

  digestSecret(): Buffer {
    return this.#secret;
  }

  /** Withdraws this node's live state (its calls vanish from every node at once), then disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#publishTimer);
    this.#o.clock.clearTimeout(this.#heartbeat);
    if (this.#health === 'ok') {
      await this.#cmd
        .multi()
        .del(liveKey(this.node))
        .publish(LIVE_CHANNEL, JSON.stringify({ node: this.node, cameras: {} }))
        .exec()
        .catch(() => undefined);
    }
    for (const client of [this.#cmd, this.#sub, ...this.#adapterClients]) client.disconnect();
    this.removeAllListeners();
  }

  #onError(error: Error): void {
    // ioredis reports every failed reconnect: one line per outage is enough.
    if (this.#warned || this.#closed) return;
    this.#warned = true;
    this.#log.warn({ err: error.message }, 'shared state unreachable; retrying');
  }

  #onReady(): void {
    if (this.#resyncRunning) return;
    this.#resyncRunning = true;
    void this.#resync().finally(() => (this.#resyncRunning = false));
  }

  /** After (re)connecting: the cluster's secret and settings, then our own state out again. */
  async #resync(): Promise<void> {
    if (this.#cmd.status !== 'ready' || this.#sub.status !== 'ready' || this.#closed) return;
    try {
      // Ours goes in only when Redis has none (it restarted empty): nonces already out stay good.
      await this.#cmd.set(SECRET_KEY, this.#secret.toString('hex'), 'NX');
      const secret = await this.#cmd.get(SECRET_KEY);
      if (secret && /^[0-9a-f]{64}$/.test(secret)) this.#secret = Buffer.from(secret, 'hex');
      else this.#log.warn('ignored a malformed nonce key in the shared state');
      const all = await this.#cmd.hgetall(SETTINGS_KEY);
      for (const [cameraId, json] of Object.entries(all)) this.#heardSettings(cameraId, json);
      for (const [cameraId, settings] of [...this.#settings]) await this.#writeSettings(cameraId, settings);
      await this.#writeLive(true);
      await this.#refreshPeers();
    } catch (error) {
      this.#onError(error as Error);
      return;
    }
    if (this.#warned) this.#log.info('shared state reachable again; state republished');
    this.#warned = false;
    this.#synced = true;
    this.#updateHealth();
    this.#onFirstSync();
  }

  #updateHealth(): void {
    const health: SharedStateHealth = this.#synced && this.#cmd.status === 'ready' && this.#sub.status === 'ready' ? 'ok' : 'unreachable';
    if (health === this.#health || this.#closed) return;
    this.#health = health;
    this.safeEmit('health', health);
  }

  async #writeSettings(cameraId: string, settings: SharedSettings): Promise<void> {
    const json = JSON.stringify(settings);
    const announcement = JSON.stringify({ cameraId, settings });
    try {
      const result = await this.#cmd.eval(SETTINGS_CAS, 2, SETTINGS_KEY, SETTINGS_CHANNEL, cameraId, json, announcement);
      // Someone changed it later than we did (while we were cut off): theirs wins here too.
      if (typeof result === 'string') this.#heardSettings(cameraId, result);
    } catch (error) {
      this.#onError(error as Error);
    }
  }

  async #writeLive(announce: boolean): Promise<void> {
    if (this.#cmd.status !== 'ready') return;
    const json = JSON.stringify(this.#own);
    const changed = json !== this.#ownJson;
    try {
      const write = this.#cmd.multi().set(liveKey(this.node), json, 'PX', this.#timings.liveTtlMs);
      if (announce && changed) write.publish(LIVE_CHANNEL, json);
      await write.exec();
      this.#ownJson = json;
    } catch (error) {
      this.#onError(error as Error);
    }
  }

  /** Reads every node's live key: catches what pub/sub missed and drops nodes whose key expired. */
  async #refreshPeers(): Promise<void> {
    const keys: string[] = [];
    for await (const batch of this.#cmd.scanStream({ match: `${PREFIX}live:*`, count: 100 }) as AsyncIterable<string[]>) keys.push(...batch);
    const values = keys.length > 0 ? await this.#cmd.mget(...keys) : [];
    const alive = new Set<string>();
    for (const value of values) {
      const node = value === null ? undefined : this.#heardLive(value);
      if (node) alive.add(node);
    }
    for (const node of this.#peers.keys()) if (!alive.has(node)) this.#dropPeer(node);
  }

  #scheduleHeartbeat(): void {
    if (this.#closed) return;
    this.#heartbeat = this.#o.clock.setTimeout(() => {
      void this.#beat().finally(() => this.#scheduleHeartbeat());
    }, this.#timings.heartbeatMs);
  }

  async #beat(): Promise<void> {
    const now = this.#o.clock.now();
    for (const [node, peer] of this.#peers) if (peer.expiresAt <= now) this.#dropPeer(node);
    if (!this.#synced) return this.#onReady(); // a resync that failed half-way is tried again
    await this.#writeLive(false);
    await this.#refreshPeers().catch((error: unknown) => this.#onError(error as Error));
  }

  #onMessage(channel: string, message: string): void {
    if (channel === LIVE_CHANNEL) this.#heardLive(message);
    else if (channel === SETTINGS_CHANNEL) {
      const parsed = parseJson(message) as { cameraId?: unknown; settings?: unknown; forget?: unknown } | undefined;
      const cameraId = parsed?.cameraId;
      if (typeof cameraId !== 'string') return;
      if (parsed?.forget === true) this.#settings.delete(cameraId);
      else this.#heardSettings(cameraId, parsed?.settings);
    }
  }

  /** A node's live state (ours is skipped); returns the node it names. */
  #heardLive(json: string): string | undefined {
    const parsed = parseWith(NodeLiveSchema, parseJson(json));
    if (!parsed) {
      this.#log.warn('ignored a malformed live state from the shared state');
      return undefined;
    }
    if (parsed.node === this.node) return parsed.node;
    const previous = this.#peers.get(parsed.node);
    const canonical = JSON.stringify(parsed);
    this.#peers.set(parsed.node, { live: parsed, json: canonical, expiresAt: this.#o.clock.now() + this.#timings.liveTtlMs });
    if (previous?.json !== canonical) this.safeEmit('peer-live', cameraIdsOf(previous?.live, parsed));
    return parsed.node;
  }

  #dropPeer(node: string): void {
    const peer = this.#peers.get(node);
    if (!peer) return;
    this.#peers.delete(node);
    this.#log.info({ peer: node }, 'node no longer reports live state');
    this.safeEmit('peer-live', cameraIdsOf(peer.live));
  }

  #heardSettings(cameraId: string, value: unknown): void {
    const settings = parseWith(SharedSettingsSchema, typeof value === 'string' ? parseJson(value) : value);
    if (!settings) {
      this.#log.warn({ cameraId }, 'ignored malformed settings from the shared state');
      return;
    }
    if (!newerSettings(settings, this.#settings.get(cameraId))) return;
    this.#settings.set(cameraId, settings);
    this.safeEmit('settings', cameraId, settings);
  }
}

function cameraIdsOf(...lives: (NodeLive | undefined)[]): string[] {
  return [...new Set(lives.flatMap((live) => Object.keys(live?.cameras ?? {})))];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The URL without its password, for logs and the start-up banner. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * socket.io's adapter publishes without awaiting: while Redis is away each broadcast would
 * be an unhandled rejection. Here a failed publish is dropped (the local sockets still got
 * the message; the other nodes catch up from the next status).
 */
function quietPublisher(client: Redis): Redis {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'publish') {
        return (...args: Parameters<Redis['publish']>) => target.publish(...args).catch(() => 0);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
