/**
 * INVITE server transaction (RFC 3261 17.2.1, Figure 7; RFC 6026 "Accepted").
 *
 *   proceeding --2xx from TU--> accepted --Timer L--> terminated
 *      '--300-699 from TU--> completed --ACK--> confirmed --Timer I--> terminated
 *                               '--Timer H (no ACK) / transport error--> terminated
 *
 * The TU answers with `respond()`. INVITE retransmissions are absorbed here (answered
 * with the last response), never passed up.
 */
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { INVITE_SERVER_TRANSITIONS, type InviteServerState } from './transaction-state.ts';
import { Transaction, type TransactionTransport } from './transaction.ts';
import type { ServerTransactionUser } from './transaction-user.ts';
import { RFC3261_TIMERS, type BaseTimers } from './timers.ts';

export class InviteServerTransaction extends Transaction<InviteServerState> {
  /** Set by the TU to hear about timeouts and transport errors. */
  user: ServerTransactionUser = {};
  #lastResponse: SipResponse | undefined;
  #timerGInterval: number;

  constructor(id: string, request: SipRequest, transport: TransactionTransport, clock: Clock, timers: BaseTimers = RFC3261_TIMERS) {
    super(id, request, transport, clock, timers, 'proceeding', INVITE_SERVER_TRANSITIONS);
    this.#timerGInterval = this.duration('G');
  }

  /** The last response sent (what retransmissions of the request are answered with). */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** Sends a response from the TU; throws InvalidStateError once a final non-2xx was sent. */
  respond(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'proceeding':
        this.#lastResponse = response;
        this.send(response);
        if (status >= 200 && status < 300) {
          // RFC 6026 8.5: 2xx moves to Accepted; Timer L absorbs INVITE retransmissions.
          this.stateTransition('accepted');
          this.startTimer('L', this.duration('L'), () => this.timerL());
        } else if (status >= 300) {
          this.stateTransition('completed');
          if (!this.reliable) this.startTimer('G', this.#timerGInterval, () => this.timerG());
          this.startTimer('H', this.duration('H'), () => this.timerH());
        }
        return;
      case 'accepted':
        // RFC 6026 8.6: the TU retransmits its 2xx through the transaction.
        if (status < 200 || status >= 300) throw new InvalidStateError(`cannot send ${status} after a 2xx`);
        this.#lastResponse = response;
        this.send(response);
        return;
      default:
        throw new InvalidStateError(`cannot respond ${status} in state ${this.state}`);
    }
  }

  /** A retransmission of the INVITE matched this transaction. */
  receiveInvite(): void {
    // "the most recent provisional response ... MUST be passed to the transport layer for retransmission";
    // in Completed the final response likewise; Accepted absorbs (RFC 6026).
    if ((this.state === 'proceeding' || this.state === 'completed') && this.#lastResponse) this.send(this.#lastResponse);
  }

  /** An ACK matched this transaction (an ACK for our non-2xx final response). */
  receiveAck(): void {
    if (this.state !== 'completed') return; // Confirmed absorbs ACK retransmissions
    this.stopTimer('G');
    this.stopTimer('H');
    this.stateTransition('confirmed');
    this.startTimer('I', this.duration('I'), () => this.timerI());
  }

  /** Timer G: retransmit the final response, interval doubling up to T2. */
  protected timerG(): void {
    if (this.state !== 'completed' || !this.#lastResponse) return;
    this.send(this.#lastResponse);
    this.#timerGInterval = Math.min(2 * this.#timerGInterval, this.timers.T2);
    this.startTimer('G', this.#timerGInterval, () => this.timerG());
  }

  /** Timer H: "the server transaction ... MUST transition to the Terminated state" and inform the TU. */
  protected timerH(): void {
    if (this.state !== 'completed') return;
    this.stateTransition('terminated');
    this.user.onTimeout?.();
  }

  protected timerI(): void {
    if (this.state === 'confirmed') this.stateTransition('terminated');
  }

  protected timerL(): void {
    if (this.state === 'accepted') this.stateTransition('terminated');
  }

  protected onTransportError(error: Error): void {
    if (this.state === 'terminated') return;
    this.stateTransition('terminated');
    this.user.onTransportError?.(error);
  }
}
