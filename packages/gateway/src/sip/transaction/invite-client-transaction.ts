/**
 * INVITE client transaction (RFC 3261 17.1.1, Figure 5; RFC 6026 "Accepted").
 *
 *   calling --1xx--> proceeding --2xx--> accepted --Timer M--> terminated
 *      |                 |--300-699 (send ACK)--> completed --Timer D--> terminated
 *      '--Timer B / transport error--> terminated
 *
 * A provisional response stops Timer A and Timer B: the far end is alive and the call is
 * ringing, which may rightly last longer than 64*T1. How long to ring is the TU's choice
 * (it CANCELs), not the transaction's.
 */
import type { Clock } from '../../core/clock.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { TransactionTimeoutError } from '../sip-error.ts';
import { INVITE_CLIENT_TRANSITIONS, type InviteClientState } from './transaction-state.ts';
import { Transaction, type TransactionTransport } from './transaction.ts';
import type { ClientTransactionUser } from './transaction-user.ts';
import { RFC3261_TIMERS, type BaseTimers } from './timers.ts';

export class InviteClientTransaction extends Transaction<InviteClientState> {
  #timerAInterval: number;
  #ack: SipRequest | undefined;

  constructor(
    id: string,
    request: SipRequest,
    transport: TransactionTransport,
    clock: Clock,
    readonly user: ClientTransactionUser,
    timers: BaseTimers = RFC3261_TIMERS,
  ) {
    super(id, request, transport, clock, timers, 'calling', INVITE_CLIENT_TRANSITIONS);
    this.#timerAInterval = this.duration('A');
  }

  /** Sends the INVITE and arms Timer A (UDP) and Timer B. */
  start(): void {
    this.send(this.request);
    // "If an unreliable transport is being used, the client transaction MUST start timer A with a value of T1."
    if (!this.reliable) this.startTimer('A', this.#timerAInterval, () => this.timerA());
    this.startTimer('B', this.duration('B'), () => this.timerB());
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          if (this.state === 'calling') {
            // 17.1.1.2: in Proceeding "the client transaction SHOULD NOT retransmit the request any longer".
            this.stopTimer('A');
            this.stopTimer('B');
            this.stateTransition('proceeding');
          }
          this.user.onResponse(response);
        } else if (status < 300) {
          this.stateTransition('accepted');
          this.startTimer('M', this.duration('M'), () => this.timerM());
          this.user.onResponse(response);
        } else {
          this.stateTransition('completed');
          this.#sendAck(response);
          this.startTimer('D', this.duration('D'), () => this.timerD());
          this.user.onResponse(response);
        }
        return;
      case 'accepted':
        // RFC 6026 7.2: "any 2xx responses that match this client transaction ... MUST be passed up to the TU".
        if (status >= 200 && status < 300) this.user.onResponse(response);
        return;
      case 'completed':
        // "Any retransmissions of the final response ... MUST cause the ACK to be re-passed to the transport layer"; not to the TU.
        if (status >= 300 && this.#ack) this.send(this.#ack);
        return;
      case 'terminated':
        return;
    }
  }

  /** RFC 3261 9.1: a CANCEL may only be sent once a provisional response arrived. */
  get cancellable(): boolean {
    return this.state === 'proceeding';
  }

  /** Timer A: retransmit the INVITE, doubling the interval. */
  protected timerA(): void {
    if (this.state !== 'calling') return;
    this.send(this.request);
    this.#timerAInterval *= 2;
    this.startTimer('A', this.#timerAInterval, () => this.timerA());
  }

  /** Timer B (Calling only): "the client transaction SHOULD inform the TU that a timeout has occurred". */
  protected timerB(): void {
    if (this.state !== 'calling') return;
    this.stateTransition('terminated');
    this.user.onTimeout?.(new TransactionTimeoutError('B'));
  }

  protected timerD(): void {
    if (this.state === 'completed') this.stateTransition('terminated');
  }

  protected timerM(): void {
    if (this.state === 'accepted') this.stateTransition('terminated');
  }

  protected onTransportError(error: Error): void {
    if (this.state === 'terminated') return;
    this.stateTransition('terminated');
    this.user.onTransportError?.(error);
  }

  /** RFC 3261 17.1.1.3: the ACK for a non-2xx final response belongs to this transaction. */
  #sendAck(response: SipResponse): void {
    const invite = this.request;
    const headers: [string, string][] = [
      ['Via', invite.headers.getAll('Via')[0]!],
      ['Max-Forwards', '70'],
      ['From', invite.headers.get('From')!],
      ['To', response.headers.get('To')!],
      ['Call-ID', invite.callId],
      ['CSeq', `${invite.cseq.seq} ACK`],
      ...invite.headers.getAll('Route').map((route): [string, string] => ['Route', route]),
    ];
    this.#ack = new SipRequest('ACK', invite.uri, { headers });
    this.send(this.#ack);
  }
}
