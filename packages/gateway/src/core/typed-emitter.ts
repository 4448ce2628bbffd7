import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from './logger.ts';

type EventMap = Record<string, unknown[]>;

/** Where listener failures go when an emitter was given no logger of its own. */
let defaultLogger: Logger | undefined;

/** Sets the logger every emitter without its own reports throwing listeners to (the composition root's). */
export function setEmitterLogger(logger: Logger): void {
  defaultLogger = logger.child({ component: 'emitter' });
}

/**
 * EventEmitter with a typed event map. `safeEmit` shields the emitter from listeners
 * that throw: a buggy listener cannot break the core, and is logged at error level with
 * the emitter's class and the event (mediasoup's safeEmit), never swallowed.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();
  readonly #logger: Logger | undefined;

  constructor(options: { logger?: Logger } = {}) {
    this.#emitter.setMaxListeners(Infinity);
    this.#logger = options.logger;
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
        const logger = this.#logger ?? (defaultLogger ??= createLogger().child({ component: 'emitter' }));
        logger.error({ err: error, emitter: this.constructor.name, event }, 'event listener threw');
      }
    }
    return listeners.length > 0;
  }
}
