import { EventEmitter } from 'node:events';

type EventMap = Record<string, unknown[]>;

/**
 * EventEmitter with a typed event map. `safeEmit` shields the emitter from listeners
 * that throw: a buggy listener is reported on 'listenererror' and cannot break the core
 * (same idea as mediasoup's EnhancedEventEmitter).
 */
export class TypedEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(Infinity);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeAllListeners(): this {
    this.#emitter.removeAllListeners();
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }

  /** Resolves with the arguments of the next `event`. */
  waitFor<K extends keyof E & string>(event: K): Promise<E[K]> {
    return new Promise((resolve) => this.once(event, (...args) => resolve(args)));
  }

  protected safeEmit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const listeners = this.#emitter.listeners(event);
    for (const listener of listeners) {
      try {
        (listener as (...a: E[K]) => void)(...args);
      } catch (error) {
        if (event !== 'listenererror') this.#emitter.emit('listenererror', event, error);
      }
    }
    return listeners.length > 0;
  }
}
