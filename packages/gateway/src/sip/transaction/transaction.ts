/**
 * What all four transaction state machines share: the request, an explicit state with a
 * transition table, named RFC timers on an injected clock (all cleared on termination),
 * and a transport whose failures terminate the transaction (RFC 3261 17.1.4, 17.2.4).
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import type { SipMessage, SipRequest } from '../message/message.ts';
import { timerDuration, type BaseTimers, type TimerName } from './timers.ts';
import type { Transitions } from './transaction-state.ts';

/** How a transaction reaches its peer: the destination (client) or the request's source (server). */
export interface TransactionTransport {
  readonly reliable: boolean;
  send(message: SipMessage): Promise<void>;
}

export type TransactionEvents<S extends string> = {
  stateChanged: [state: S];
  terminated: [];
};

export abstract class Transaction<S extends string> extends TypedEmitter<TransactionEvents<S>> {
  readonly #transitions: Transitions<S>;
  readonly #timers = new Map<TimerName, TimerHandle>();
  #state: S;

  protected constructor(
    /** Matching key (RFC 3261 17.1.3 / 17.2.3), unique among live transactions. */
    readonly id: string,
    readonly request: SipRequest,
    protected readonly transport: TransactionTransport,
    protected readonly clock: Clock,
    /** T1, T2, T4 every timer of this transaction derives from. */
    protected readonly timers: BaseTimers,
    initial: S,
    transitions: Transitions<S>,
  ) {
    super();
    this.#state = initial;
    this.#transitions = transitions;
  }

  get state(): S {
    return this.#state;
  }

  get reliable(): boolean {
    return this.transport.reliable;
  }

  /** Ends the transaction now, without telling the TU (the owner is shutting down). */
  dispose(): void {
    if (this.#state !== 'terminated') this.stateTransition('terminated' as S);
  }

  /** Called by the transport when sending fails. */
  protected abstract onTransportError(error: Error): void;

  protected stateTransition(to: S): void {
    const from = this.#state;
    if (!this.#transitions[from].includes(to)) {
      throw new InvalidStateError(`${this.constructor.name}: invalid transition ${from} -> ${to}`);
    }
    this.#state = to;
    if (to === 'terminated') {
      for (const handle of this.#timers.values()) this.clock.clearTimeout(handle);
      this.#timers.clear();
    }
    this.safeEmit('stateChanged', to);
    if (to === 'terminated') this.safeEmit('terminated');
  }

  /** Duration of timer `name` on this transaction's transport (RFC 3261 Table 4). */
  protected duration(name: TimerName): number {
    return timerDuration(name, this.timers, this.reliable);
  }

  /** (Re)starts timer `name`; a zero duration fires synchronously (reliable transports). */
  protected startTimer(name: TimerName, ms: number, fire: () => void): void {
    this.stopTimer(name);
    if (ms <= 0) {
      fire();
      return;
    }
    this.#timers.set(
      name,
      this.clock.setTimeout(() => {
        this.#timers.delete(name);
        fire();
      }, ms),
    );
  }

  protected stopTimer(name: TimerName): void {
    const handle = this.#timers.get(name);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.#timers.delete(name);
  }

  protected send(message: SipMessage): void {
    this.transport.send(message).catch((error: unknown) => {
      if (this.#state === 'terminated') return;
      this.onTransportError(error instanceof Error ? error : new Error(String(error)));
    });
  }
}
