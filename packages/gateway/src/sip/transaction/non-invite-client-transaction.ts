/**
 * Non-INVITE client transaction (RFC 3261 17.1.2, Figure 6).
 *
 *   trying --1xx--> proceeding --200-699--> completed --Timer K--> terminated
 *     '--200-699--> completed;   Timer F / transport error --> terminated
 */
import type { Clock } from '../../core/clock.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { TransactionTimeoutError } from '../sip-error.ts';
import { NON_INVITE_CLIENT_TRANSITIONS, type NonInviteClientState } from './transaction-state.ts';
import { Transaction, type TransactionTransport } from './transaction.ts';
import type { ClientTransactionUser } from './transaction-user.ts';
import { RFC3261_TIMERS, type BaseTimers } from './timers.ts';

export class NonInviteClientTransaction extends Transaction<NonInviteClientState> {
  #timerEInterval: number;

  constructor(
    id: string,
    request: SipRequest,
    transport: TransactionTransport,
    clock: Clock,
    readonly user: ClientTransactionUser,
    timers: BaseTimers = RFC3261_TIMERS,
  ) {
    super(id, request, transport, clock, timers, 'trying', NON_INVITE_CLIENT_TRANSITIONS);
    this.#timerEInterval = this.duration('E');
  }

  /** Sends the request and arms Timer E (UDP) and Timer F. */
  start(): void {
    this.send(this.request);
    if (!this.reliable) this.startTimer('E', this.#timerEInterval, () => this.timerE());
    this.startTimer('F', this.duration('F'), () => this.timerF());
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed absorbs retransmissions
    if (response.status < 200) {
      if (this.state === 'trying') this.stateTransition('proceeding');
      this.user.onResponse(response);
      return;
    }
    this.stopTimer('E');
    this.stopTimer('F');
    this.stateTransition('completed');
    this.startTimer('K', this.duration('K'), () => this.timerK());
    this.user.onResponse(response);
  }

  /**
   * Timer E: retransmit. In Trying the interval doubles up to T2; "If Timer E fires while
   * in the Proceeding state, the request MUST be passed to the transport layer for
   * retransmission, and Timer E MUST be reset with a value of T2 seconds."
   */
  protected timerE(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.send(this.request);
    this.#timerEInterval = this.state === 'trying' ? Math.min(2 * this.#timerEInterval, this.timers.T2) : this.timers.T2;
    this.startTimer('E', this.#timerEInterval, () => this.timerE());
  }

  protected timerF(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.stateTransition('terminated');
    this.user.onTimeout?.(new TransactionTimeoutError('F'));
  }

  protected timerK(): void {
    if (this.state === 'completed') this.stateTransition('terminated');
  }

  protected onTransportError(error: Error): void {
    if (this.state === 'terminated') return;
    this.stateTransition('terminated');
    this.user.onTransportError?.(error);
  }
}
