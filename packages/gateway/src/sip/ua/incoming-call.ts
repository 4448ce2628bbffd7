/**
 * One incoming call (an INVITE we are the UAS of) and the dialog it creates: what the TU
 * (the camera's call logic) sees and drives. It answers, rejects and hangs up; it hears
 * DTMF (SIP INFO), new offers (re-INVITE/UPDATE: hold, new codec or address) and the end.
 *
 * Protocol duties handled here:
 * - 2xx retransmission until ACK, T1 doubling to T2, BYE after 64*T1 (RFC 3261 §13.3.1.4)
 *   only where the caller is verified (see `CallPorts.byeTargetVerified`);
 * - no BYE before the ACK (§15): a hang-up while answered waits for the ACK or its timeout;
 * - CANCEL before the final response: 487 for the INVITE (§9.2);
 * - offer/answer state (RFC 3264, RFC 6337): 491 when an offer crosses one we made,
 *   500 + Retry-After for a second re-INVITE while one is pending (§14.2, RFC 3311 §5.2);
 * - CSeq ordering and target refresh through the dialog (§12.2.2).
 *
 * Transactions and transport are reached through `CallPorts`, which the user agent provides.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { Dialog } from '../dialog/dialog.ts';
import { clip, createResponse, isSipUri, quote, type HeaderValue, type NameAddr, type SipRequest, type SipResponse, type SipUri, type Uri } from '../message/index.ts';
import type { MessageSource, TransportProtocol } from '../transport/transport.ts';
import type { CallerOrigin } from '../transport/trusted-proxies.ts';
import { SipError } from '../sip-error.ts';
import { CALL_TRANSITIONS, type CallEndCause, type CallState } from './call-state.ts';
import { parseDtmfInfo, DTMF_INFO_CONTENT_TYPES, type DtmfKey } from './dtmf-info.ts';

/** Methods we implement, for Allow (RFC 3261 §20.5). */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE'] as const;
/** Bodies we understand, for Accept (§20.1). */
const ACCEPTED_CONTENT_TYPES = ['application/sdp', ...DTMF_INFO_CONTENT_TYPES] as const;

/** Headers every dialog-forming or capability response carries. */
export function capabilityHeaders(): [string, string][] {
  return [
    ['Allow', ALLOWED_METHODS.join(', ')],
    ['Accept', ACCEPTED_CONTENT_TYPES.join(', ')],
  ];
}

export interface PartyInfo {
  uri: string;
  /** User part of a SIP URI (the caller's number or name), if any. Plain text: escape before showing. */
  user: string | undefined;
  host: string | undefined;
  displayName: string | undefined;
}

/** What the call needs from the transaction and transport layers. */
export interface CallPorts {
  /** Sends a response to the INVITE through its server transaction. */
  respondToInvite(response: SipResponse): Promise<void>;
  /** Resends a 2xx (§13.3.1.4: retransmitting it is the TU's job, not the transaction's). */
  retransmit(response: SipResponse): Promise<void>;
  /** Sends an in-dialog request in a client transaction; resolves with its final response. */
  sendInDialog(request: SipRequest): Promise<SipResponse>;
  /** Our Contact for the transport the call came over. */
  localContact: NameAddr;
  /** Whether the INVITE's transport is reliable (no 2xx retransmission needed). */
  reliable: boolean;
  /**
   * Whether an in-dialog request would reach the party the INVITE came from: over its open
   * connection, or over UDP to the very address it came from. A caller that never ACKed has
   * proven nothing else; a BYE (11 retransmissions over UDP) to a Contact it merely named
   * would make the camera a reflector.
   */
  byeTargetVerified(): boolean;
}

export interface CallTimers {
  T1: number;
  T2: number;
}

export interface DtmfDetail {
  source: 'sip-info';
  durationMs?: number;
}

/** The TU's answer to a new offer: SDP, or a SipError (488 for no common codec, ...). */
export type OfferResponder = (answer: string | SipError) => void;

/** What a call's dialog reports whichever side placed it (the call glue drives both alike). */
export interface DialogCallEvents extends Record<string, unknown[]> {
  dtmf: [key: DtmfKey, detail: DtmfDetail];
  /** A new SDP offer in a re-INVITE or UPDATE; call `respond` exactly once. */
  offer: [sdp: string, respond: OfferResponder];
  /** The peer's answer (in its ACK) to an SDP we offered because its INVITE had none. */
  answer: [sdp: string];
  ended: [cause: CallEndCause];
}

export interface IncomingCallEvents extends DialogCallEvents {
  state: [state: CallState];
}

export interface IncomingCallInit {
  invite: SipRequest;
  source: MessageSource;
  ports: CallPorts;
  clock: Clock;
  logger: Logger;
  timers: CallTimers;
  userAgent: string;
  /** Where the caller really is and who it is (trusted-proxies.ts); default: the transport peer and From. */
  origin?: CallerOrigin;
  /** Set when the INVITE was digest-authenticated (WebSocket softphone accounts). */
  authenticatedUser?: string;
  /** AoR of our registration when the call came through a provider we registered with. */
  registrationAor?: SipUri;
}

type HeaderList = ReadonlyArray<readonly [string, HeaderValue]>;

interface ReplyOptions {
  reason?: string;
  headers?: HeaderList;
  body?: string;
}

/** `reply(status, options)` for one request, sending through `respond`; returns the response. */
type Reply = (status: number, options?: ReplyOptions) => SipResponse;

function replier(request: SipRequest, respond: (response: SipResponse) => void): Reply {
  return (status, options = {}) => {
    const headers: (readonly [string, HeaderValue])[] = [...(options.headers ?? [])];
    if (options.body !== undefined) headers.push(['Content-Type', 'application/sdp']);
    const response = createResponse(request, status, { headers, ...(options.reason && { reason: options.reason }), ...(options.body !== undefined && { body: options.body }) });
    respond(response);
    return response;
  };
}

interface Pending2xx {
  response: SipResponse;
  cseq: number;
  interval: number;
  retransmitTimer: TimerHandle | undefined;
  timeoutTimer: TimerHandle;
  /** Our 200 carried an offer (the INVITE had none): the ACK brings the answer. */
  offered: boolean;
}

const SDP = 'application/sdp';

/** The SDP a request carries, if any. */
function sdpOf(message: SipRequest): string | undefined {
  return message.contentType === SDP && message.body.length > 0 ? message.body.toString('utf8') : undefined;
}

/** §14.2: a random 0-10 s wait before the caller tries its request again. */
function retryAfter(): readonly [string, HeaderValue] {
  return ['Retry-After', String(Math.floor(Math.random() * 11))];
}

export class IncomingCall extends TypedEmitter<IncomingCallEvents> {
  readonly callId: string;
  readonly from: PartyInfo;
  readonly to: PartyInfo;
  readonly requestUri: string;
  /**
   * Whom the caller dialled (the camera's "MSN"): the user part of the Request-URI, or for a
   * call through a provider the AoR's user (the provider rewrote the Request-URI to our
   * registered Contact, whose user is a random token).
   */
  readonly requestUser: string | undefined;
  readonly transport: TransportProtocol;
  /** The transport peer (a trusted proxy's address when the call came through one). */
  readonly remote: { address: string; port: number };
  /** The caller's own address (behind a trusted proxy: the hop before it), for quotas, lock-outs and logs. */
  readonly originAddress: string;
  /** The trusted proxy the call came through, if any. */
  readonly proxy: string | undefined;
  /** Who calls: P-Asserted-Identity through a trusted proxy, else the From header. */
  readonly caller: PartyInfo;
  /** The caller's SDP offer; undefined for an offerless INVITE (then `accept()` sends an offer). */
  readonly offer: string | undefined;
  readonly authenticatedUser: string | undefined;
  readonly registrationAor: string | undefined;
  readonly source: MessageSource;
  readonly startedAt: number;

  readonly #invite: SipRequest;
  readonly #ports: CallPorts;
  readonly #clock: Clock;
  readonly #timers: CallTimers;
  readonly #log: Logger;
  readonly #toTag: string;
  #state: CallState = 'incoming';
  #dialog: Dialog | undefined;
  #pending2xx: Pending2xx | undefined;
  /** A re-INVITE we have not answered yet (§14.2). */
  #pendingReinvite = false;
  /** SDP we last sent: offered again for an offerless re-INVITE. */
  #localSdp: string | undefined;
  #hangupRequested = false;
  #hangupReason: string | undefined;
  #ack: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #byeInFlight: Promise<void> | undefined;
  readonly #userAgent: string;

  constructor(init: IncomingCallInit, toTag: string) {
    super();
    const { invite } = init;
    this.#invite = invite;
    this.#ports = init.ports;
    this.#clock = init.clock;
    this.#timers = init.timers;
    this.#toTag = toTag;
    this.#userAgent = init.userAgent;
    this.callId = invite.callId;
    this.from = partyInfo(invite.from);
    this.to = partyInfo(invite.to);
    this.requestUri = invite.uri.toString();
    this.requestUser = init.registrationAor ? init.registrationAor.user : isSipUri(invite.uri) ? invite.uri.user : undefined;
    this.transport = init.source.protocol;
    this.source = init.source;
    this.remote = { address: init.source.remoteAddress, port: init.source.remotePort };
    this.originAddress = init.origin?.address ?? init.source.remoteAddress;
    this.proxy = init.origin?.proxy;
    this.caller = init.origin ? partyInfo(init.origin.identity) : this.from;
    this.offer = sdpOf(invite);
    this.authenticatedUser = init.authenticatedUser;
    this.registrationAor = init.registrationAor?.toString();
    this.startedAt = init.clock.now();
    this.#log = init.logger.child({ callId: this.callId });
    this.#log.info(
      {
        from: clip(this.from.uri),
        to: clip(this.to.uri),
        requestUri: clip(this.requestUri),
        transport: this.transport,
        remote: this.remote,
        ...(this.proxy !== undefined && { origin: this.originAddress, caller: clip(this.caller.uri) }),
        authenticatedUser: this.authenticatedUser,
      },
      'incoming call',
    );
  }

  get state(): CallState {
    return this.#state;
  }

  /** The dialog, once a response with our To-tag went out. */
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /** 180 Ringing (creates the early dialog). */
  ring(): void {
    this.#requireState('ring', 'incoming');
    this.#dialog = Dialog.fromInvite(this.#invite, this.#toTag, this.#ports.localContact, 'early');
    this.#transition('ringing');
    this.#respondToInvite(180);
  }

  /**
   * 200 OK with `sdp` (the answer, or our offer if the INVITE had none); resolves when the
   * ACK arrives, rejects if the call ends first (CANCEL raced us, no ACK, transport error).
   */
  accept(sdp: string): Promise<void> {
    this.#requireState('accept', 'incoming', 'ringing');
    if (this.#dialog) this.#dialog.transition('confirmed');
    else this.#dialog = Dialog.fromInvite(this.#invite, this.#toTag, this.#ports.localContact, 'confirmed');
    this.#transition('answered');
    this.#localSdp = sdp;
    const acked = new Promise<void>((resolve, reject) => (this.#ack = { resolve, reject }));
    const response = this.#respondToInvite(200, { body: sdp, headers: capabilityHeaders() });
    this.#start2xxRetransmission(response, this.#invite.cseq.seq, this.offer === undefined);
    this.#log.info('answered');
    return acked;
  }

  /** Final non-2xx answer: 486 busy, 603 decline, 404, 480, 488 (with a Warning saying why) ... */
  reject(status: number, reason?: string, headers?: HeaderList): void {
    if (status < 300 || status > 699) throw new RangeError(`reject needs a 3xx-6xx status, got ${status}`);
    this.#requireState('reject', 'incoming', 'ringing');
    this.#respondToInvite(status, { ...(reason !== undefined && { reason }), ...(headers && { headers }) });
    this.#log.info({ status }, 'rejected');
    this.#end('rejected');
  }

  /**
   * Ends the call. Established: BYE (resolves when it completed). Answered but not yet
   * ACKed: the BYE follows the ACK or its timeout (§15). Not answered: 480.
   */
  hangup(reason?: string): Promise<void> {
    switch (this.#state) {
      case 'incoming':
      case 'ringing':
        this.reject(480, 'Temporarily Unavailable');
        return Promise.resolve();
      case 'answered':
        this.#hangupRequested = true;
        this.#hangupReason = reason;
        return new Promise((resolve) => this.once('ended', () => void (this.#byeInFlight ?? Promise.resolve()).then(resolve)));
      case 'established':
        return this.#sendBye('local-bye', reason);
      case 'terminated':
        return this.#byeInFlight ?? Promise.resolve();
    }
  }

  // ---- called by the user agent -------------------------------------------------------

  /** CANCEL matched this INVITE (§9.2). Returns false when it came too late to matter. */
  receiveCancel(): boolean {
    if (this.#state !== 'incoming' && this.#state !== 'ringing') return false;
    this.#respondToInvite(487);
    this.#log.info('cancelled by caller');
    this.#end('cancelled');
    return true;
  }

  /** The ACK for one of our 2xx (initial INVITE or re-INVITE). */
  receiveAck(ack: SipRequest): void {
    const pending = this.#pending2xx;
    if (!pending || ack.cseq.seq !== pending.cseq) return; // a late or retransmitted ACK
    this.#stop2xxRetransmission();
    const answer = pending.offered ? sdpOf(ack) : undefined;
    if (answer !== undefined) this.safeEmit('answer', answer);
    if (this.#state === 'answered') {
      this.#transition('established');
      this.#log.info('established');
      this.#ack?.resolve();
      this.#ack = undefined;
      if (this.#hangupRequested) void this.#sendBye('local-bye', this.#hangupReason);
    }
  }

  /**
   * An in-dialog request other than ACK/CANCEL. Its response goes out through `respond`
   * (the request's server transaction): at once, or for an offer once the TU answered.
   */
  receiveRequest(request: SipRequest, respond: (response: SipResponse) => void): void {
    const reply = replier(request, respond);
    try {
      if (!this.#dialog) throw new SipError(481, 'Call/Transaction Does Not Exist');
      this.#dialog.receiveRequest(request);
    } catch (error) {
      if (!(error instanceof SipError)) throw error;
      reply(error.status, { reason: error.reason, headers: error.headers });
      return;
    }
    switch (request.method) {
      case 'BYE':
        reply(200);
        this.#log.info('caller hung up');
        this.#end('remote-bye');
        return;
      case 'INFO':
        this.#receiveInfo(request, reply);
        return;
      case 'OPTIONS':
        reply(200, { headers: capabilityHeaders() });
        return;
      case 'INVITE':
        this.#receiveReinvite(request, reply);
        return;
      case 'UPDATE':
        this.#receiveUpdate(request, reply);
        return;
      default:
        reply(405, { headers: [['Allow', ALLOWED_METHODS.join(', ')]] });
    }
  }

  /** The caller's connection (WebSocket) is gone, or the stack closes. */
  abort(cause: 'transport-error' | 'shutdown'): Promise<void> {
    if (this.#state === 'terminated') return this.#byeInFlight ?? Promise.resolve();
    if (cause === 'shutdown') {
      if (this.#state === 'established') return this.#sendBye('shutdown', 'shutting down');
      if (this.#state === 'incoming' || this.#state === 'ringing') this.#respondToInvite(503, { headers: [['Retry-After', '60']] });
    }
    this.#end(cause);
    return Promise.resolve();
  }

  // ---- internals -----------------------------------------------------------------------

  #receiveInfo(request: SipRequest, reply: Reply): void {
    if (request.body.length === 0) {
      reply(200); // an empty INFO is a keep-alive some phones send
      return;
    }
    const dtmf = parseDtmfInfo(request.contentType, request.body.toString('utf8'));
    if (!dtmf) {
      reply(415, { headers: [['Accept', DTMF_INFO_CONTENT_TYPES.join(', ')]] });
      return;
    }
    reply(200);
    this.#log.debug({ durationMs: dtmf.durationMs }, 'dtmf via SIP INFO'); // the key itself may be part of a PIN
    this.safeEmit('dtmf', dtmf.key, { source: 'sip-info', ...(dtmf.durationMs !== undefined && { durationMs: dtmf.durationMs }) });
  }

  #receiveReinvite(request: SipRequest, reply: Reply): void {
    if (this.#pendingReinvite) {
      // §14.2: a second INVITE before our final answer to the first.
      reply(500, { reason: 'Server Internal Error', headers: [retryAfter()] });
      return;
    }
    if (this.#pending2xx?.offered) {
      reply(491); // our offer (in a 2xx) awaits its answer in the ACK: glare
      return;
    }
    const offer = sdpOf(request);
    const answerWith = (sdp: string, offered: boolean) => {
      this.#localSdp = sdp;
      const ok = reply(200, { body: sdp, headers: [['Contact', this.#ports.localContact.toString()], ...capabilityHeaders()] });
      this.#start2xxRetransmission(ok, request.cseq.seq, offered);
    };
    if (!offer) {
      // Offerless re-INVITE: we offer what we have, the answer comes in the ACK.
      if (this.#localSdp === undefined) reply(488);
      else answerWith(this.#localSdp, true);
      return;
    }
    this.#pendingReinvite = true;
    this.#askForAnswer(offer, (answer) => {
      this.#pendingReinvite = false;
      if (this.#state === 'terminated') return;
      if (answer instanceof SipError) reply(answer.status, { reason: answer.reason, headers: answer.headers });
      else answerWith(answer, false);
    });
  }

  #receiveUpdate(request: SipRequest, reply: Reply): void {
    const offer = sdpOf(request);
    if (!offer) {
      reply(200, { headers: [['Contact', this.#ports.localContact.toString()]] }); // session refresh
      return;
    }
    // RFC 3311 §5.2: an offer while one is outstanding.
    if (this.#pending2xx?.offered) {
      reply(491);
      return;
    }
    if (this.#pendingReinvite) {
      reply(500, { headers: [retryAfter()] });
      return;
    }
    this.#pendingReinvite = true;
    this.#askForAnswer(offer, (answer) => {
      this.#pendingReinvite = false;
      if (this.#state === 'terminated') return;
      if (answer instanceof SipError) {
        reply(answer.status, { reason: answer.reason, headers: answer.headers });
        return;
      }
      this.#localSdp = answer;
      reply(200, { body: answer, headers: [['Contact', this.#ports.localContact.toString()]] });
    });
  }

  /** Hands an offer to the TU; without a listener nothing can answer it: 488. */
  #askForAnswer(offer: string, done: OfferResponder): void {
    let answered = false;
    const respond: OfferResponder = (answer) => {
      if (answered) throw new InvalidStateError('offer already answered');
      answered = true;
      done(answer);
    };
    this.#log.info('new offer from caller');
    if (!this.safeEmit('offer', offer, respond)) respond(new SipError(488, 'Not Acceptable Here'));
  }

  #respondToInvite(status: number, options: ReplyOptions = {}): SipResponse {
    const headers: (readonly [string, HeaderValue])[] = [...(options.headers ?? [])];
    if (status > 100 && status < 300) {
      // §12.1.1: dialog-forming responses copy Record-Route, so proxies stay on the path.
      headers.unshift(['Contact', this.#ports.localContact.toString()], ...this.#invite.headers.getAll('Record-Route').map((rr) => ['Record-Route', rr] as const));
    }
    if (options.body !== undefined) headers.push(['Content-Type', SDP]);
    headers.push(['Server', this.#userAgent]);
    const response = createResponse(this.#invite, status, { toTag: this.#toTag, headers, ...(options.reason && { reason: options.reason }), ...(options.body !== undefined && { body: options.body }) });
    this.#ports.respondToInvite(response).catch((error: unknown) => this.#onTransportError(error));
    return response;
  }

  #start2xxRetransmission(response: SipResponse, cseq: number, offered: boolean): void {
    this.#stop2xxRetransmission();
    const pending: Pending2xx = {
      response,
      cseq,
      offered,
      interval: this.#timers.T1,
      retransmitTimer: undefined,
      // §13.3.1.4: no ACK within 64*T1 (Timer H's span) ends the dialog with BYE.
      timeoutTimer: this.#clock.setTimeout(() => this.#ackTimeout(), 64 * this.#timers.T1),
    };
    this.#pending2xx = pending;
    if (!this.#ports.reliable) pending.retransmitTimer = this.#clock.setTimeout(() => this.#retransmit2xx(), pending.interval);
  }

  #retransmit2xx(): void {
    const pending = this.#pending2xx;
    if (!pending) return;
    this.#ports.retransmit(pending.response).catch((error: unknown) => this.#onTransportError(error));
    pending.interval = Math.min(pending.interval * 2, this.#timers.T2);
    pending.retransmitTimer = this.#clock.setTimeout(() => this.#retransmit2xx(), pending.interval);
  }

  #stop2xxRetransmission(): void {
    if (!this.#pending2xx) return;
    this.#clock.clearTimeout(this.#pending2xx.retransmitTimer);
    this.#clock.clearTimeout(this.#pending2xx.timeoutTimer);
    this.#pending2xx = undefined;
  }

  #ackTimeout(): void {
    this.#stop2xxRetransmission();
    if (this.#state === 'answered' && !this.#ports.byeTargetVerified()) {
      // §13.3.1.4 says SHOULD send BYE; to a target the caller never proved it listens at we
      // do not (reflection): the dialog ends here, and the caller's side times out by itself.
      this.#log.warn('no ACK for our 200 OK: call ended without BYE (unverified target)');
      this.#end('ack-timeout');
      return;
    }
    this.#log.warn('no ACK for our 200 OK, hanging up');
    if (this.#state === 'answered') {
      this.#transition('established'); // the dialog is confirmed; leave it properly with BYE
      void this.#sendBye('ack-timeout', 'no ACK');
    } else {
      void this.#sendBye('ack-timeout', 'no ACK for re-INVITE');
    }
  }

  #sendBye(cause: CallEndCause, reason: string | undefined): Promise<void> {
    if (this.#byeInFlight) return this.#byeInFlight;
    const dialog = this.#dialog!;
    const headers: [string, HeaderValue][] = reason ? [['Reason', `SIP;cause=200;text=${quote(reason)}`]] : [];
    const bye = dialog.createRequest('BYE', { headers });
    this.#log.info({ cause }, 'sending BYE');
    this.#byeInFlight = this.#ports.sendInDialog(bye).then(
      (response) => void this.#log.debug({ status: response.status }, 'BYE answered'),
      (error: unknown) => void this.#log.warn({ err: error }, 'BYE failed'),
    );
    this.#end(cause);
    return this.#byeInFlight;
  }

  #onTransportError(error: unknown): void {
    if (this.#state === 'terminated') return;
    this.#log.warn({ err: error }, 'transport error');
    this.#end('transport-error');
  }

  #end(cause: CallEndCause): void {
    if (this.#state === 'terminated') return;
    this.#stop2xxRetransmission();
    this.#transition('terminated');
    if (this.#dialog && this.#dialog.state !== 'terminated') this.#dialog.transition('terminated');
    this.#ack?.reject(new InvalidStateError(`call ended (${cause}) before the ACK`));
    this.#ack = undefined;
    this.#log.info({ cause, durationMs: this.#clock.now() - this.startedAt }, 'call ended');
    this.safeEmit('ended', cause);
  }

  #requireState(action: string, ...allowed: CallState[]): void {
    if (!allowed.includes(this.#state)) throw new InvalidStateError(`cannot ${action} a call in state ${this.#state}`);
  }

  #transition(next: CallState): void {
    if (!CALL_TRANSITIONS[this.#state].includes(next)) throw new InvalidStateError(`call ${this.callId}: ${this.#state} -> ${next} is not allowed`);
    this.#state = next;
    this.safeEmit('state', next);
  }
}

function partyInfo(address: NameAddr): PartyInfo {
  const uri: Uri = address.uri;
  return {
    uri: uri.toString(),
    user: isSipUri(uri) ? uri.user : undefined,
    host: isSipUri(uri) ? uri.host : undefined,
    displayName: address.displayName,
  };
}
