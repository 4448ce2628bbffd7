/**
 * Open connections of a connection-oriented transport (TCP, WebSocket): bounded in
 * number, each closed after `idleTimeoutMs` without traffic. One idle timer per
 * connection, re-armed lazily (activity only records a time stamp), so a busy
 * connection costs no timer churn.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';

export interface Connection {
  readonly id: string;
  /** Ends the connection; must eventually lead to `remove(id)`. */
  close(): void;
}

export interface ConnectionLimits {
  maxConnections: number;
  idleTimeoutMs: number;
}

export class ConnectionRegistry<C extends Connection> {
  readonly #clock: Clock;
  readonly #limits: ConnectionLimits;
  readonly #entries = new Map<string, { connection: C; lastActivity: number; timer: TimerHandle }>();

  constructor(clock: Clock, limits: ConnectionLimits) {
    this.#clock = clock;
    this.#limits = limits;
  }

  get size(): number {
    return this.#entries.size;
  }

  get isFull(): boolean {
    return this.#entries.size >= this.#limits.maxConnections;
  }

  /** Adds a connection; false (and nothing added) when the limit is reached. */
  add(connection: C): boolean {
    if (this.isFull) return false;
    const timer = this.#clock.setTimeout(() => this.#checkIdle(connection.id), this.#limits.idleTimeoutMs);
    this.#entries.set(connection.id, { connection, lastActivity: this.#clock.now(), timer });
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

  remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#clock.clearTimeout(entry.timer);
    this.#entries.delete(id);
  }

  closeAll(): void {
    for (const { connection } of [...this.#entries.values()]) connection.close();
    for (const id of [...this.#entries.keys()]) this.remove(id);
  }

  #checkIdle(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const idleFor = this.#clock.now() - entry.lastActivity;
    if (idleFor >= this.#limits.idleTimeoutMs) {
      entry.connection.close();
      this.remove(id);
      return;
    }
    entry.timer = this.#clock.setTimeout(() => this.#checkIdle(id), this.#limits.idleTimeoutMs - idleFor);
  }
}
