/**
 * One outgoing call (an INVITE we are the UAC of, RFC 3261 §13.2) and the dialog it creates.
 *
 *   calling --1xx--> ringing --2xx--> answered --acknowledge(sdp): ACK--> established
 *      \_______________\_______________\________________________________\--> terminated
 *
 * The INVITE carries no SDP (a "late offer", §13.2.1): the callee's 2xx brings the offer
 * and our ACK the answer. So phones and browsers are answered by the very media code that
 * answers their calls to the camera.
 *
 * Protocol duties handled here:
 * - digest authentication towards a proxy or registrar (401/407, §22.2), once per challenge;
 * - CANCEL only after a provisional response (§9.1): a cancel before it waits for one;
 *   a 2xx that crosses our CANCEL is ACKed and ended with BYE (§9.1, §15);
 * - every 2xx retransmission is ACKed again (§13.2.2.4); a 2xx from a second fork gets ACK+BYE;
 * - failures are sorted for the caller: busy (486/600), declined (603), unreachable
 *   (408, 5xx, Timer B, transport error), rejected (anything else).
 */
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { Dialog } from '../dialog/dialog.ts';
import { clip, createResponse, Headers, NameAddr, newCallId, newTag, quote, SipRequest, type HeaderValue, type SipResponse, type Uri } from '../message/index.ts';
import type { InviteClientTransaction } from '../transaction/invite-client-transaction.ts';
import type { ClientTransactionUser } from '../transaction/transaction-user.ts';
import type { TransportProtocol } from '../transport/transport.ts';
import { answerChallenge, pickStrongestChallenge, type ClientCredentials } from './digest.ts';
import { parseDtmfInfo, DTMF_INFO_CONTENT_TYPES } from './dtmf-info.ts';
import type { CallEndCause } from './call-state.ts';
import { ALLOWED_METHODS, capabilityHeaders, type DialogCallEvents, type OfferResponder } from './incoming-call.ts';
import { SipError } from '../sip-error.ts';

export type OutgoingCallState = 'calling' | 'ringing' | 'answered' | 'established' | 'terminated';

/** How a call that was not answered ended. */
export type CallOutFailure = 'busy' | 'declined' | 'unreachable' | 'rejected' | 'cancelled';

export type OutgoingCallResult =
  | { answered: true; offer: string }
  | { answered: false; failure: CallOutFailure; status: number; reason: string };

/**
 * The events an incoming call has too (so the call glue drives both alike), plus progress.
 * `ended`: 'rejected' when it was never answered, 'cancelled' when we stopped it ringing.
 */
export interface OutgoingCallEvents extends DialogCallEvents {
  /** A provisional response (180 Ringing, 183 Session Progress ...). `answer` is never emitted: ours goes in the ACK. */
  progress: [status: number];
}

/** What the call needs from the transaction and transport layers (the user agent provides it). */
export interface OutgoingCallPorts {
  /** Sends the (re-authenticated) INVITE in a new INVITE client transaction to the first hop. */
  sendInvite(request: SipRequest, user: ClientTransactionUser): InviteClientTransaction;
  sendCancel(invite: InviteClientTransaction, user: ClientTransactionUser): void;
  /** Sends the ACK for a 2xx (its own branch, to the dialog's first hop). */
  sendAck(ack: SipRequest, dialog: Dialog): Promise<void>;
  /** Sends an in-dialog request in a client transaction; resolves with its final response. */
  sendInDialog(request: SipRequest, dialog: Dialog): Promise<SipResponse>;
  /** Registers (and on end forgets) the dialog, so the callee's BYE and INFO find this call. */
  trackDialog(dialog: Dialog, call: OutgoingCall): void;
  localContact: NameAddr;
}

export interface OutgoingCallInit {
  /** Request-URI: whom we call. */
  target: Uri;
  /** To header (default: the target). */
  to?: NameAddr;
  /** From header without tag: who is calling (the camera, or the provider account's AoR). */
  from: NameAddr;
  /** Answers 401/407 challenges with these (provider account, the softphone realm ...). */
  credentials?: ClientCredentials;
  /** Set when the call goes through a proxy (the provider's outbound proxy): Route header. */
  route?: NameAddr;
  ports: OutgoingCallPorts;
  clock: Clock;
  logger: Logger;
  userAgent: string;
  transport: TransportProtocol;
}

const SDP = 'application/sdp';

function sdpOf(message: SipRequest | SipResponse): string | undefined {
  return message.contentType === SDP && message.body.length > 0 ? message.body.toString('utf8') : undefined;
}

/** Sorts a final non-2xx status into what the call-out profile acts on. */
export function failureOf(status: number): CallOutFailure {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'declined';
  if (status === 487) return 'cancelled';
  if (status === 408 || status === 480 || status >= 500) return 'unreachable';
  return 'rejected';
}

export class OutgoingCall extends TypedEmitter<OutgoingCallEvents> {
  readonly callId = newCallId();
  readonly target: Uri;
  readonly transport: TransportProtocol;
  /** Resolves once: answered (with the callee's offer), or why not. */
  readonly result: Promise<OutgoingCallResult>;

  readonly #init: OutgoingCallInit;
  readonly #fromTag = newTag();
  readonly #log: Logger;
  #resolve!: (result: OutgoingCallResult) => void;
  #cseq = 1;
  #transaction: InviteClientTransaction | undefined;
  #state: OutgoingCallState = 'calling';
  #dialog: Dialog | undefined;
  /** The answer our ACK carried (undefined: none); null until it went out. Each 2xx retransmission is ACKed again. */
  #ackSdp: string | undefined | null = null;
  #answeredTag: string | undefined;
  #cancelRequested = false;
  #cancelSent = false;
  #answeredChallenge = false;
  #byeInFlight: Promise<void> | undefined;

  constructor(init: OutgoingCallInit) {
    super();
    this.#init = init;
    this.target = init.target;
    this.transport = init.transport;
    this.#log = init.logger.child({ callId: this.callId });
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  get state(): OutgoingCallState {
    return this.#state;
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** Sends the INVITE. */
  start(authorization?: readonly [string, string]): void {
    if (this.#transaction) throw new InvalidStateError('outgoing call already started');
    this.#log.info({ target: clip(this.target.toString()), transport: this.transport }, 'outgoing call');
    this.#sendInvite(authorization);
  }

  /**
   * Stops ringing (ring timeout, another target answered, the call-out was stopped):
   * CANCEL now if the callee sent a provisional response, else as soon as it does (§9.1).
   * The result resolves 'cancelled' at once; a 2xx crossing the CANCEL is ACKed and BYEd.
   */
  cancel(): void {
    if (this.#state !== 'calling' && this.#state !== 'ringing') return;
    this.#cancelRequested = true;
    this.#settle({ answered: false, failure: 'cancelled', status: 487, reason: 'Request Terminated' });
    this.#trySendCancel();
  }

  /** The call glue's "answer": an outgoing call is answered by the callee, our answer went in the ACK. */
  accept(): Promise<void> {
    return this.#state === 'established' ? Promise.resolve() : Promise.reject(new InvalidStateError(`outgoing call is ${this.#state}`));
  }

  /** Sends the ACK with our SDP answer to the callee's offer: the call is established. */
  acknowledge(answerSdp: string): void {
    if (this.#state !== 'answered') throw new InvalidStateError(`cannot acknowledge a call in state ${this.#state}`);
    this.#sendAck(answerSdp);
    this.#transition('established');
    this.#log.info('established');
  }

  /** Ends the call: BYE once answered (after an ACK without answer if none went out yet), else CANCEL. */
  hangup(reason?: string): Promise<void> {
    switch (this.#state) {
      case 'calling':
      case 'ringing':
        this.cancel();
        return Promise.resolve();
      case 'answered':
        this.#sendAck(undefined);
        return this.#sendBye('local-bye', reason);
      case 'established':
        return this.#sendBye('local-bye', reason);
      case 'terminated':
        return this.#byeInFlight ?? Promise.resolve();
    }
  }

  /** The stack is closing. */
  abort(cause: 'transport-error' | 'shutdown'): Promise<void> {
    if (this.#state === 'established' || this.#state === 'answered') return this.hangup(cause === 'shutdown' ? 'shutting down' : undefined);
    this.cancel();
    this.#end(cause);
    return Promise.resolve();
  }

  /** An in-dialog request from the callee (BYE, INFO, OPTIONS, re-INVITE, UPDATE). */
  receiveRequest(request: SipRequest, respond: (response: SipResponse) => void): void {
    const reply = (status: number, headers: [string, HeaderValue][] = [], body?: string) =>
      respond(createResponse(request, status, { headers: body === undefined ? headers : [...headers, ['Content-Type', SDP]], ...(body !== undefined && { body }) }));
    try {
      if (!this.#dialog) throw new SipError(481, 'Call/Transaction Does Not Exist');
      this.#dialog.receiveRequest(request);
    } catch (error) {
      if (!(error instanceof SipError)) throw error;
      respond(createResponse(request, error.status, { reason: error.reason }));
      return;
    }
    switch (request.method) {
      case 'BYE':
        reply(200);
        this.#log.info('callee hung up');
        this.#end('remote-bye');
        return;
      case 'INFO': {
        const dtmf = parseDtmfInfo(request.contentType, request.body.toString('utf8'));
        if (!dtmf) return reply(415, [['Accept', DTMF_INFO_CONTENT_TYPES.join(', ')]]);
        reply(200);
        this.safeEmit('dtmf', dtmf.key, { source: 'sip-info', ...(dtmf.durationMs !== undefined && { durationMs: dtmf.durationMs }) });
        return;
      }
      case 'OPTIONS':
        return reply(200, capabilityHeaders());
      case 'INVITE':
      case 'UPDATE': {
        const offer = sdpOf(request);
        const contact: [string, HeaderValue] = ['Contact', this.#init.ports.localContact.toString()];
        if (!offer) return reply(request.method === 'UPDATE' ? 200 : 488, [contact]);
        let answered = false;
        const respondToOffer: OfferResponder = (answer) => {
          if (answered || this.#state === 'terminated') return;
          answered = true;
          if (answer instanceof SipError) respond(createResponse(request, answer.status, { reason: answer.reason, headers: answer.headers }));
          else reply(200, [contact, ...capabilityHeaders()], answer);
        };
        if (!this.safeEmit('offer', offer, respondToOffer)) respondToOffer(new SipError(488, 'Not Acceptable Here'));
        return;
      }
      default:
        reply(405, [['Allow', ALLOWED_METHODS.join(', ')]]);
    }
  }

  // ---- the INVITE transaction ---------------------------------------------------------

  #sendInvite(authorization?: readonly [string, string]): void {
    const { target, from, route, ports, userAgent } = this.#init;
    const headers = new Headers([
      ['Max-Forwards', 70],
      ['From', from.withTag(this.#fromTag)],
      ['To', this.#init.to ?? new NameAddr(target)],
      ['Call-ID', this.callId],
      ['CSeq', `${this.#cseq} INVITE`],
      ['Contact', ports.localContact],
      ['User-Agent', userAgent],
      ...capabilityHeaders(),
    ]);
    if (route) headers.set('Route', route);
    if (authorization) headers.set(authorization[0], authorization[1]);
    const invite = new SipRequest('INVITE', target, { headers });
    try {
      this.#transaction = ports.sendInvite(invite, {
        onResponse: (response) => this.#onResponse(invite, response),
        onTimeout: () => this.#fail(408, 'Request Timeout (Timer B)'),
        onTransportError: (error) => {
          this.#log.warn({ err: error.message }, 'INVITE could not be sent');
          this.#fail(503, 'Transport Error');
        },
      });
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'INVITE could not be sent');
      this.#fail(503, 'Transport Error');
    }
  }

  #onResponse(invite: SipRequest, response: SipResponse): void {
    const { status } = response;
    if (status < 200) {
      if (status === 100) return;
      if (this.#state === 'calling') this.#transition('ringing');
      this.#log.info({ status }, 'callee rings');
      this.safeEmit('progress', status);
      this.#trySendCancel();
      return;
    }
    if (status < 300) return this.#on2xx(invite, response);
    if ((status === 401 || status === 407) && this.#retryWithCredentials(invite, response)) return;
    this.#fail(status, clip(response.reason, 64));
  }

  /** Answers a challenge with a new INVITE (same Call-ID and From tag, next CSeq); false when we cannot. */
  #retryWithCredentials(invite: SipRequest, response: SipResponse): boolean {
    const credentials = this.#init.credentials;
    if (!credentials || this.#cancelRequested) return false;
    const challenge = pickStrongestChallenge(response.headers.getAll(response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'));
    // A second fresh challenge means the credentials are wrong; a stale one may be answered again.
    if (!challenge || (this.#answeredChallenge && !challenge.stale)) return false;
    this.#answeredChallenge = true;
    this.#cseq++;
    const header = response.status === 401 ? 'Authorization' : 'Proxy-Authorization';
    const value = answerChallenge(challenge, { method: 'INVITE', uri: invite.uri.toString() }, credentials);
    this.#log.info({ status: response.status }, 'INVITE challenged; answering');
    this.#transaction = undefined;
    this.#sendInvite([header, value]);
    return true;
  }

  #on2xx(invite: SipRequest, response: SipResponse): void {
    const tag = response.to.tag;
    if (this.#answeredTag !== undefined) {
      if (tag === this.#answeredTag) {
        if (this.#ackSdp !== null) void this.#init.ports.sendAck(this.#dialog!.createAck(this.#cseq, this.#ackSdp), this.#dialog!).catch(() => undefined);
      } else {
        this.#byeStray(invite, response); // another fork answered too
      }
      return;
    }
    let dialog: Dialog;
    try {
      dialog = Dialog.fromResponse(invite, response, this.#init.ports.localContact, 'confirmed');
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, '2xx cannot form a dialog');
      this.#fail(502, 'Bad Gateway');
      return;
    }
    this.#answeredTag = tag;
    this.#dialog = dialog;
    this.#init.ports.trackDialog(dialog, this);
    const offer = sdpOf(response);
    if (this.#cancelRequested || offer === undefined) {
      // §9.1: the 2xx crossed our CANCEL; or it carries no offer to answer. ACK, then BYE.
      this.#log.info({ cancelled: this.#cancelRequested }, '2xx not taken: ACK and BYE');
      this.#transition('answered');
      if (offer === undefined) this.#fail(488, 'No SDP Offer In 2xx');
      void this.hangup(this.#cancelRequested ? 'cancelled' : 'no SDP offer');
      return;
    }
    this.#transition('answered');
    this.#log.info({ status: response.status }, 'answered');
    this.#settle({ answered: true, offer });
  }

  #trySendCancel(): void {
    const transaction = this.#transaction;
    if (!this.#cancelRequested || this.#cancelSent || !transaction?.cancellable) return;
    this.#cancelSent = true;
    this.#log.info('sending CANCEL');
    try {
      this.#init.ports.sendCancel(transaction, {
        onResponse: (response) => {
          if (response.status >= 200) this.#log.debug({ status: response.status }, 'CANCEL answered');
        },
      });
    } catch (error) {
      this.#log.warn({ err: (error as Error).message }, 'CANCEL could not be sent');
    }
  }

  #sendAck(answerSdp: string | undefined): void {
    if (this.#ackSdp !== null || !this.#dialog) return;
    this.#ackSdp = answerSdp;
    this.#init.ports.sendAck(this.#dialog.createAck(this.#cseq, answerSdp), this.#dialog).catch((error: unknown) => this.#log.warn({ err: error }, 'ACK could not be sent'));
  }

  /** ACK and BYE a 2xx from a dialog we did not take (a second fork). */
  #byeStray(invite: SipRequest, response: SipResponse): void {
    try {
      const stray = Dialog.fromResponse(invite, response, this.#init.ports.localContact, 'confirmed');
      void this.#init.ports.sendAck(stray.createAck(this.#cseq), stray).catch(() => undefined);
      void this.#init.ports.sendInDialog(stray.createRequest('BYE'), stray).catch(() => undefined);
    } catch {
      // A 2xx that cannot form a dialog cannot be ended either.
    }
  }

  #sendBye(cause: CallEndCause, reason: string | undefined): Promise<void> {
    if (this.#byeInFlight) return this.#byeInFlight;
    const dialog = this.#dialog!;
    const headers: [string, HeaderValue][] = reason ? [['Reason', `SIP;cause=200;text=${quote(reason)}`]] : [];
    const bye = dialog.createRequest('BYE', { headers });
    this.#log.info({ cause }, 'sending BYE');
    this.#byeInFlight = this.#init.ports.sendInDialog(bye, dialog).then(
      (response) => void this.#log.debug({ status: response.status }, 'BYE answered'),
      (error: unknown) => void this.#log.warn({ err: error }, 'BYE failed'),
    );
    this.#end(cause);
    return this.#byeInFlight;
  }

  #fail(status: number, reason: string): void {
    const failure = this.#cancelRequested ? 'cancelled' : failureOf(status);
    if (this.#state !== 'terminated') this.#log.info({ status, reason, failure }, 'not answered');
    this.#settle({ answered: false, failure, status, reason });
    this.#end(this.#cancelRequested ? 'cancelled' : 'rejected');
  }

  #settle(result: OutgoingCallResult): void {
    this.#resolve(result); // later calls are no-ops
  }

  #end(cause: CallEndCause): void {
    if (this.#state === 'terminated') return;
    this.#transition('terminated');
    if (this.#dialog && this.#dialog.state !== 'terminated') this.#dialog.transition('terminated');
    this.#settle({ answered: false, failure: 'unreachable', status: 503, reason: cause });
    this.#log.info({ cause }, 'outgoing call ended');
    this.safeEmit('ended', cause);
  }

  #transition(next: OutgoingCallState): void {
    this.#state = next;
  }
}
