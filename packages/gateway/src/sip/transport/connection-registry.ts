/**
 * Open connections of a connection-oriented transport (TCP, WebSocket), bounded so a few
 * addresses cannot take them all: at most `maxConnections` in all and
 * `maxConnectionsPerAddress` from one IP address. Each is closed after `idleTimeoutMs`
 * without traffic, and when a message it started (or the first one a new connection owes
 * us) is not complete within `messageTimeoutMs` of its start: a deadline, which trickled
 * bytes do not push back (Slowloris). One idle timer per connection, re-armed lazily
 * (activity only records a time stamp), so a busy connection costs no timer churn.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';

export interface Connection {
  readonly id: string;
  /** The peer's IP address (per-address cap). */
  readonly remoteAddress: string;
  /** Ends the connection; must eventually lead to `remove(id)`. */
  close(): void;
}

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  idleTimeoutMs: number;
  /** Time from the first byte of a message (or from accepting a connection) to its last byte. */
  messageTimeoutMs: number;
  /** Addresses without the per-address cap (trusted proxies bring many callers over their connections). */
  perAddressExempt?: { has(address: string): boolean };
}

/** Defaults in the spirit of Kamailio's tcp_max_connections and pike/htable per-source limits. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  maxConnections: 1024,
  maxConnectionsPerAddress: 32,
  /** Longer than JsSIP's 600 s registration refresh, so an idle registered browser stays reachable. */
  idleTimeoutMs: 15 * 60_000,
  messageTimeoutMs: 10_000,
});

/** Why a connection was not admitted. */
export type Refusal = 'too many connections' | 'too many connections from this address';

export type CloseReason = 'idle' | 'message timeout';

interface Entry<C> {
  connection: C;
  lastActivity: number;
  idleTimer: TimerHandle;
  deadline: TimerHandle | undefined;
}

export class ConnectionRegistry<C extends Connection> {
  readonly #clock: Clock;
  readonly #limits: ConnectionLimits;
  readonly #onTimeout: (connection: C, reason: CloseReason) => void;
  readonly #entries = new Map<string, Entry<C>>();
  readonly #perAddress = new Map<string, number>();

  constructor(clock: Clock, limits: ConnectionLimits, onTimeout: (connection: C, reason: CloseReason) => void = () => undefined) {
    this.#clock = clock;
    this.#limits = limits;
    this.#onTimeout = onTimeout;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether one more connection from `address` would be refused, and why. */
  refusal(address: string): Refusal | undefined {
    if (this.#entries.size >= this.#limits.maxConnections) return 'too many connections';
    if ((this.#perAddress.get(address) ?? 0) >= this.#limits.maxConnectionsPerAddress && !this.#limits.perAddressExempt?.has(address)) return 'too many connections from this address';
    return undefined;
  }

  /** Adds a connection; false (and nothing added) when a limit is reached. */
  add(connection: C): boolean {
    if (this.refusal(connection.remoteAddress)) return false;
    const idleTimer = this.#clock.setTimeout(() => this.#checkIdle(connection.id), this.#limits.idleTimeoutMs);
    this.#entries.set(connection.id, { connection, lastActivity: this.#clock.now(), idleTimer, deadline: undefined });
    this.#perAddress.set(connection.remoteAddress, (this.#perAddress.get(connection.remoteAddress) ?? 0) + 1);
    return true;
  }

  get(id: string): C | undefined {
    return this.#entries.get(id)?.connection;
  }

  find(predicate: (connection: C) => boolean): C | undefined {
    for (const { connection } of this.#entries.values()) if (predicate(connection)) return connection;
    return undefined;
  }

  touch(id: string): void {
    const entry = this.#entries.get(id);
    if (entry) entry.lastActivity = this.#clock.now();
  }

  /** A message is under way on `id`: it must be complete within `messageTimeoutMs` (a running deadline stays). */
  startMessageDeadline(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry || entry.deadline) return;
    entry.deadline = this.#clock.setTimeout(() => this.#expire(id, 'message timeout'), this.#limits.messageTimeoutMs);
  }

  /** Nothing is half-received on `id` any more. */
  clearMessageDeadline(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry?.deadline) return;
    this.#clock.clearTimeout(entry.deadline);
    entry.deadline = undefined;
  }

  remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#clock.clearTimeout(entry.idleTimer);
    this.#clock.clearTimeout(entry.deadline);
    this.#entries.delete(id);
    const address = entry.connection.remoteAddress;
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(address, left);
    else this.#perAddress.delete(address);
  }

  closeAll(): void {
    for (const { connection } of [...this.#entries.values()]) connection.close();
    for (const id of [...this.#entries.keys()]) this.remove(id);
  }

  #expire(id: string, reason: CloseReason): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.remove(id);
    this.#onTimeout(entry.connection, reason);
    entry.connection.close();
  }

  #checkIdle(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const idleFor = this.#clock.now() - entry.lastActivity;
    if (idleFor >= this.#limits.idleTimeoutMs) {
      this.#expire(id, 'idle');
      return;
    }
    entry.idleTimer = this.#clock.setTimeout(() => this.#checkIdle(id), this.#limits.idleTimeoutMs - idleFor);
  }
}
