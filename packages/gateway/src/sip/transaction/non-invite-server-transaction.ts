/**
 * Non-INVITE server transaction (RFC 3261 17.2.2, Figure 8).
 *
 *   trying --1xx from TU--> proceeding --200-699 from TU--> completed --Timer J--> terminated
 *     '--200-699 from TU--> completed;   transport error --> terminated
 *
 * Request retransmissions are absorbed: ignored in Trying, answered with the last
 * response afterwards.
 */
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { NON_INVITE_SERVER_TRANSITIONS, type NonInviteServerState } from './transaction-state.ts';
import { Transaction, type TransactionTransport } from './transaction.ts';
import type { ServerTransactionUser } from './transaction-user.ts';
import { RFC3261_TIMERS, type BaseTimers } from './timers.ts';

export class NonInviteServerTransaction extends Transaction<NonInviteServerState> {
  /** Set by the TU to hear about transport errors. */
  user: ServerTransactionUser = {};
  #lastResponse: SipResponse | undefined;

  constructor(id: string, request: SipRequest, transport: TransactionTransport, clock: Clock, timers: BaseTimers = RFC3261_TIMERS) {
    super(id, request, transport, clock, timers, 'trying', NON_INVITE_SERVER_TRANSITIONS);
  }

  /** The last response sent (what retransmissions of the request are answered with). */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** Sends a response from the TU; throws InvalidStateError once a final response was sent. */
  respond(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') {
      throw new InvalidStateError(`cannot respond ${response.status} in state ${this.state}`);
    }
    this.#lastResponse = response;
    this.send(response);
    if (response.status < 200) {
      if (this.state === 'trying') this.stateTransition('proceeding');
      return;
    }
    this.stateTransition('completed');
    this.startTimer('J', this.duration('J'), () => this.timerJ());
  }

  /** A retransmission of the request matched this transaction. */
  receiveRequest(): void {
    if (this.state === 'proceeding' || this.state === 'completed') this.send(this.#lastResponse!);
  }

  protected timerJ(): void {
    if (this.state === 'completed') this.stateTransition('terminated');
  }

  protected onTransportError(error: Error): void {
    if (this.state === 'terminated') return;
    this.stateTransition('terminated');
    this.user.onTransportError?.(error);
  }
}
