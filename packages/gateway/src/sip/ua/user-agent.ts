/**
 * The user agent core (RFC 3261 §8.2 UAS behaviour, §12 dialogs): the transaction layer's
 * delegate. It sorts new requests into new calls (INVITE), dialog requests (to the
 * `IncomingCall` owning the dialog), capability queries (OPTIONS) and refusals
 * (405/481/501); it challenges WebSocket INVITEs and REGISTERs against the softphone
 * accounts (and keeps their bindings: `registrar.ts`); it places outgoing calls
 * (`outgoing-call.ts`) and routes their in-dialog requests; and it owns the registrations
 * with SIP providers (whose registrar addresses it exempts from the transport's rate limit
 * while they run).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { Dialog, dialogKey } from '../dialog/dialog.ts';
import { NameAddr, SipUri, createResponse, isSipUri, newTag, parseUri, sipHost, socketHost, type SipRequest, type SipResponse } from '../message/index.ts';
import { SipError } from '../sip-error.ts';
import type { InviteClientTransaction } from '../transaction/invite-client-transaction.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { ServerTransaction, TransactionLayer, TransactionLayerDelegate } from '../transaction/transaction-layer.ts';
import { destinationFor } from '../transport/destination.ts';
import type { TransportLayer } from '../transport/transport-layer.ts';
import { TrustedProxies } from '../transport/trusted-proxies.ts';
import { isConnectionDestination, isWebSocket, type Destination, type MessageSource, type TransportProtocol } from '../transport/transport.ts';
import { DEFAULT_CALL_ADMISSION_LIMITS, refuseInvite, type CallAdmissionLimits } from './call-admission.ts';
import { DigestAuthority, parseCredentials, type DigestAlgorithm, type DigestSecret } from './digest.ts';
import { ALLOWED_METHODS, IncomingCall, capabilityHeaders, type CallPorts, type CallTimers } from './incoming-call.ts';
import { OutgoingCall, type OutgoingCallInit } from './outgoing-call.ts';
import { SoftphoneRegistrar, type SoftphoneBinding } from './registrar.ts';
import { Registration, type RegistrarAddress, type RegistrationOptions, type RegistrationTimings } from './registration.ts';

/** Methods we know but do not implement: 405 with Allow (§8.2.1). Anything else unknown: 501. */
const KNOWN_METHODS = new Set([...ALLOWED_METHODS, 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH']);

export interface SoftphoneAuth {
  /** Digest realm shown to softphones. */
  realm: string;
  /** Secret of a softphone account, undefined when there is no such account. */
  lookup(username: string): DigestSecret | undefined;
  /** Algorithms offered, preferred first (an account known only by its MD5 H(A1) needs ['MD5']). */
  algorithms?: readonly DigestAlgorithm[];
  /** Lock-out of failed digests per source address, and per user name from that address (never the name alone: embedded accounts are public, and a stranger must not lock one out). */
  lockout?: DigestLockout;
  /** The nonces' HMAC key (several gateways share one); random per process by default. */
  nonceSecret?: () => Buffer;
}

/** Keys of a digest attempt: the user name it claims and the address it comes from. */
export interface DigestLockout {
  lockedUntil(keys: { caller: string; address: string }): number | null;
  recordFailure(keys: { caller: string; address: string }): unknown;
  recordSuccess(keys: { caller: string; address: string }): void;
}

export interface UserAgentOptions {
  transport: TransportLayer;
  clock: Clock;
  logger: Logger;
  userAgent: string;
  timers: CallTimers;
  /** WebSocket INVITEs must authenticate against these accounts (407 challenge). */
  softphoneAuth?: SoftphoneAuth;
  registrationTimings?: Partial<RegistrationTimings>;
  /** Call quotas (default DEFAULT_CALL_ADMISSION_LIMITS). */
  admission?: Partial<CallAdmissionLimits>;
  /** Proxies whose callers are taken from the Via and P-Asserted-Identity (trusted-proxies.ts). */
  trustedProxies?: TrustedProxies;
}

export interface UserAgentEvents extends Record<string, unknown[]> {
  /** A new call; answer it with `ring()`, `accept()` or `reject()`. Without a listener: 480. */
  invite: [call: IncomingCall];
}

interface CallEntry {
  call: IncomingCall;
  transaction: InviteServerTransaction;
  /** Whether the connection the INVITE came on (TCP/WS) is still open. */
  connectionOpen: boolean;
}

export class UserAgent extends TypedEmitter<UserAgentEvents> implements TransactionLayerDelegate {
  readonly #transport: TransportLayer;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: UserAgentOptions;
  readonly #authority: DigestAuthority | undefined;
  readonly #admission: CallAdmissionLimits;
  readonly #proxies: TrustedProxies;
  /** Calls by dialog key (Call-ID, our tag, their tag). */
  readonly #calls = new Map<string, CallEntry>();
  readonly #byTransaction = new Map<InviteServerTransaction, CallEntry>();
  readonly #registrations = new Set<Registration>();
  /** Outgoing calls by dialog key once answered (or ringing), and all of them until they end. */
  readonly #outgoingDialogs = new Map<string, OutgoingCall>();
  readonly #outgoing = new Set<OutgoingCall>();
  readonly #registrar: SoftphoneRegistrar;
  #transactions: TransactionLayer | undefined;
  #closed = false;

  constructor(options: UserAgentOptions) {
    super();
    this.#options = options;
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'sip-ua' });
    this.#admission = { ...DEFAULT_CALL_ADMISSION_LIMITS, ...options.admission };
    this.#proxies = options.trustedProxies ?? new TrustedProxies();
    if (options.softphoneAuth) {
      const { realm, algorithms, nonceSecret } = options.softphoneAuth;
      this.#authority = new DigestAuthority({ realm, clock: options.clock, ...(algorithms && { algorithms }), ...(nonceSecret && { secret: nonceSecret }) });
    }
    this.#registrar = new SoftphoneRegistrar(options.clock, options.logger);
    this.#transport.on('connection-closed', this.#onConnectionClosed);
  }

  /** Browsers registered with a softphone account (over WebSocket), newest first. */
  softphoneBindings(account: string): SoftphoneBinding[] {
    return this.#registrar.bindings(account);
  }

  /** The transaction layer is built with this object as its delegate, then attached here. */
  attach(transactions: TransactionLayer): void {
    this.#transactions = transactions;
  }

  /** Dialogs alive (calls answered or ringing with a To-tag, not yet ended). */
  get dialogCount(): number {
    let n = 0;
    for (const { call } of this.#calls.values()) if (call.dialog && call.dialog.state !== 'terminated') n++;
    return n;
  }

  /** Calls not yet ended. */
  get callCount(): number {
    return this.#calls.size;
  }

  get registrations(): ReadonlySet<Registration> {
    return this.#registrations;
  }

  /**
   * Registers with a provider; the registration runs (refresh, retry) until closed. Requests
   * from the registrar's address(es) skip the rate limit meanwhile: the provider's proxy
   * brings every call from there.
   */
  register(options: RegistrationOptions): Registration {
    const registration = new Registration(options, {
      clock: this.#clock,
      logger: this.#log,
      userAgent: this.#options.userAgent,
      send: (request, registrar) => this.#sendRequest(request, registrarDestination(registrar)),
      contactUri: (user, transport) => {
        const { host, port } = this.#transport.localEndpoint(transport);
        return new SipUri({ user, host: sipHost(host), port, params: new Map([['transport', transport]]) });
      },
      ...(this.#options.registrationTimings && { timings: this.#options.registrationTimings }),
    });
    this.#registrations.add(registration);
    this.#trustRegistrar(registration, options.registrar.host);
    registration.start();
    return registration;
  }

  /**
   * Places a call (late offer: the callee's 2xx brings the SDP offer). `destination` is the
   * first hop: the target itself, a provider's outbound proxy, or a browser's WebSocket.
   */
  call(options: Pick<OutgoingCallInit, 'target' | 'to' | 'from' | 'credentials' | 'route'> & { destination: Destination }): OutgoingCall {
    if (this.#closed) throw new InvalidStateError('user agent closed');
    const transactions = this.#transactions;
    if (!transactions) throw new InvalidStateError('user agent not attached to a transaction layer');
    const { destination } = options;
    const protocol: TransportProtocol = isConnectionDestination(destination) ? 'ws' : destination.protocol;
    const { host, port } = this.#transport.localEndpoint(protocol);
    const inDialog = (dialog: Dialog): Destination => {
      if (isConnectionDestination(destination)) return destination; // a browser: only over its WebSocket
      const first = dialog.routeSet[0];
      const next = first && isSipUri(first.uri) ? first.uri : dialog.remoteTarget;
      if (!isSipUri(next)) throw new SipError(416, 'Unsupported URI Scheme');
      return destinationFor(next);
    };
    const call: OutgoingCall = new OutgoingCall({
      ...options,
      transport: protocol,
      clock: this.#clock,
      logger: this.#log,
      userAgent: this.#options.userAgent,
      ports: {
        sendInvite: (request, user) => transactions.sendRequest(request, destination, user) as InviteClientTransaction,
        sendCancel: (invite, user) => void transactions.sendCancel(invite, user),
        sendAck: (ack, dialog) => Promise.resolve().then(() => transactions.sendAck(ack, inDialog(dialog))),
        sendInDialog: (request, dialog) => Promise.resolve().then(() => this.#sendRequest(request, inDialog(dialog))),
        trackDialog: (dialog) => this.#outgoingDialogs.set(dialog.key, call),
        localContact: new NameAddr(new SipUri({ user: 'camera', host: sipHost(host), port, params: new Map([['transport', protocol]]) })),
      },
    });
    this.#outgoing.add(call);
    call.once('ended', () => {
      this.#outgoing.delete(call);
      if (call.dialog) this.#outgoingDialogs.delete(call.dialog.key);
    });
    call.start();
    return call;
  }

  /** Ends every call (BYE / 503) and unregisters; the stack closes the layers below afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.off('connection-closed', this.#onConnectionClosed);
    await Promise.all([
      ...[...this.#calls.values()].map(({ call }) => call.abort('shutdown')),
      ...[...this.#outgoing].map((call) => call.abort('shutdown')),
      ...[...this.#registrations].map((registration) => registration.close()),
    ]);
    this.#registrations.clear();
  }

  // ---- TransactionLayerDelegate --------------------------------------------------------

  onRequest(request: SipRequest, transaction: ServerTransaction, source: MessageSource): void {
    const respond = (response: SipResponse) => transaction.respond(response);
    if (request.method === 'REGISTER' && isWebSocket(source.protocol) && this.#authority && source.connectionId !== undefined) {
      const account = this.#authenticate(request, transaction, source);
      if (account !== undefined) respond(this.#registrar.register(request, account, source.connectionId));
      return;
    }
    if (!KNOWN_METHODS.has(request.method)) throw new SipError(501, 'Not Implemented');
    if (!(ALLOWED_METHODS as readonly string[]).includes(request.method)) {
      throw new SipError(405, 'Method Not Allowed', [['Allow', ALLOWED_METHODS.join(', ')]]);
    }
    if (request.to.tag !== undefined) {
      const key = dialogKey({ callId: request.callId, localTag: request.to.tag, remoteTag: request.from.tag ?? '' });
      const outgoing = this.#outgoingDialogs.get(key);
      if (outgoing) {
        outgoing.receiveRequest(request, respond);
        return;
      }
      const entry = this.#calls.get(key);
      // OPTIONS may carry a To-tag of a dialog we forgot; answering it does no harm.
      if (!entry && request.method !== 'OPTIONS') throw new SipError(481, 'Call/Transaction Does Not Exist');
      if (entry) {
        entry.call.receiveRequest(request, respond);
        return;
      }
    }
    switch (request.method) {
      case 'INVITE':
        this.#receiveInvite(request, transaction as InviteServerTransaction, source);
        return;
      case 'OPTIONS':
        respond(createResponse(request, 200, { headers: [...capabilityHeaders(), ['Server', this.#options.userAgent]] }));
        return;
      default:
        throw new SipError(481, 'Call/Transaction Does Not Exist'); // BYE, INFO, UPDATE outside a dialog
    }
  }

  onAck(ack: SipRequest): void {
    const entry = this.#calls.get(dialogKey({ callId: ack.callId, localTag: ack.to.tag ?? '', remoteTag: ack.from.tag ?? '' }));
    entry?.call.receiveAck(ack);
  }

  onCancel(invite: InviteServerTransaction): void {
    const entry = this.#byTransaction.get(invite);
    if (entry) entry.call.receiveCancel();
    else invite.respond(createResponse(invite.request, 487));
  }

  // ---- internals -----------------------------------------------------------------------

  #receiveInvite(invite: SipRequest, transaction: InviteServerTransaction, source: MessageSource): void {
    if (this.#closed) throw new SipError(503, 'Service Unavailable', [['Retry-After', '60']]);
    Dialog.checkInvite(invite); // the TU must be able to answer every call it is given
    const origin = this.#proxies.originOf(invite, source);
    this.#admit(invite, origin.address);
    let authenticatedUser: string | undefined;
    if (isWebSocket(source.protocol) && this.#authority) {
      authenticatedUser = this.#authenticate(invite, transaction, source);
      if (authenticatedUser === undefined) return;
    }
    const registration = isSipUri(invite.uri) ? [...this.#registrations].find((r) => r.matchesContact(invite.uri as SipUri)) : undefined;
    const toTag = newTag();
    const entry = { connectionOpen: true, transaction } as CallEntry;
    const call = new IncomingCall(
      {
        invite,
        source,
        origin,
        ports: this.#callPorts(invite, transaction, source, entry),
        clock: this.#clock,
        logger: this.#log,
        timers: this.#options.timers,
        userAgent: this.#options.userAgent,
        ...(authenticatedUser !== undefined && { authenticatedUser }),
        ...(registration && { registrationAor: registration.aor }),
      },
      toTag,
    );
    entry.call = call;
    const key = dialogKey({ callId: call.callId, localTag: toTag, remoteTag: invite.from.tag ?? '' });
    this.#calls.set(key, entry);
    this.#byTransaction.set(transaction, entry);
    transaction.once('terminated', () => this.#byTransaction.delete(transaction));
    transaction.user = {
      onTransportError: () => void call.abort('transport-error'),
    };
    call.once('ended', () => this.#calls.delete(key));
    if (!this.safeEmit('invite', call)) call.reject(480, 'Temporarily Unavailable');
  }

  /** Throws the 486/503 for an INVITE over the call quotas (before any media is set up). */
  #admit(invite: SipRequest, originAddress: string): void {
    const calls = [...this.#calls.values()].map(({ call }) => ({ sourceAddress: call.originAddress, state: call.state }));
    const refusal = refuseInvite(this.#admission, originAddress, calls);
    if (!refusal) return;
    this.#log.warn({ callId: invite.callId, source: originAddress, status: refusal.status, reason: refusal.reason }, 'INVITE over the call quota');
    throw refusal;
  }

  /**
   * Digest check of a WebSocket INVITE (RFC 3261 §22.3 as a proxy would: 407) or REGISTER
   * (as a registrar: 401). Returns the authenticated user, or undefined after answering the
   * request itself. The account must be the request's own: From of an INVITE, To of a REGISTER.
   */
  #authenticate(request: SipRequest, transaction: ServerTransaction, source: MessageSource): string | undefined {
    const authority = this.#authority!;
    const { lookup, lockout } = this.#options.softphoneAuth!;
    const registrar = request.method === 'REGISTER';
    const header = request.header(registrar ? 'Authorization' : 'Proxy-Authorization');
    // The nonce is good for this call from this address only: a captured answer is no use elsewhere.
    const address = this.#proxies.originOf(request, source).address;
    const binding = `${request.callId}\n${address}`;
    const challenge = (stale: boolean) =>
      transaction.respond(
        createResponse(request, registrar ? 401 : 407, {
          headers: authority.challenge(stale, binding).map((value) => [registrar ? 'WWW-Authenticate' : 'Proxy-Authenticate', value] as const),
        }),
      );
    const keys = { caller: (header !== undefined && parseCredentials(header)?.username) || '', address };
    if (lockout?.lockedUntil(keys) != null) {
      // Locked out: refused without looking at the credentials.
      this.#log.warn({ callId: request.callId, source: keys.address }, 'softphone authentication locked out');
      transaction.respond(createResponse(request, 403, { reason: 'Too Many Failed Authentications' }));
      return undefined;
    }
    if (header === undefined) {
      challenge(false);
      return undefined;
    }
    const verdict = authority.verify(header, { method: request.method, uriMatches: (uri) => sameUri(uri, request), binding }, lookup);
    // The accepted list names softphones by their From address: it must be the account's own.
    const from = registrar ? request.to.uri : request.from.uri;
    if (verdict.ok && isSipUri(from) && from.user === verdict.username) {
      lockout?.recordSuccess(keys);
      return verdict.username;
    }
    const reason = verdict.ok ? 'from-mismatch' : verdict.reason;
    this.#log.warn({ callId: request.callId, source: keys.address, reason }, 'softphone authentication failed');
    if (reason === 'from-mismatch') {
      transaction.respond(createResponse(request, 403, { reason: registrar ? 'To Is Not The Account' : 'From Is Not The Account' }));
    } else if (reason === 'wrong-password' || reason === 'unknown-user' || reason === 'uri-mismatch') {
      lockout?.recordFailure(keys);
      // A reason phrase of its own: the softphone tells a wrong password from "not on the list".
      transaction.respond(createResponse(request, 403, { reason: 'Wrong Credentials' }));
    } else {
      challenge(reason === 'stale');
    }
    return undefined;
  }

  #callPorts(invite: SipRequest, transaction: InviteServerTransaction, source: MessageSource, entry: CallEntry): CallPorts {
    const respond = (response: SipResponse) => {
      try {
        transaction.respond(response);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
    return {
      respondToInvite: respond,
      // Straight to the transport: a re-INVITE's 2xx has its own (already accepted) transaction,
      // and the transport routes by the response's Via anyway (§18.2.2).
      retransmit: (response) => this.#transport.sendResponse(response, source),
      // A remote target we cannot reach (sips:, transport=ws without its connection) rejects, never throws.
      sendInDialog: (request) => Promise.resolve().then(() => this.#sendRequest(request, this.#inDialogDestination(entry, source))),
      localContact: this.#localContact(invite, source.protocol),
      reliable: source.protocol !== 'udp',
      byeTargetVerified: () => {
        try {
          const destination = this.#inDialogDestination(entry, source);
          if (isConnectionDestination(destination)) return true;
          return destination.protocol === source.protocol && destination.host === source.remoteAddress && destination.port === source.remotePort;
        } catch {
          return false;
        }
      },
    };
  }

  /**
   * Where in-dialog requests go: back over the caller's connection while it is open
   * (the only way to reach a browser, and NAT-friendly for TCP), else to the first route
   * or the remote target (§12.2.1.1, RFC 3263 reduced to host:port).
   */
  #inDialogDestination(entry: CallEntry, source: MessageSource): Destination {
    if (source.connectionId !== undefined && entry.connectionOpen) return { connectionId: source.connectionId };
    const dialog = entry.call.dialog!;
    const first = dialog.routeSet[0];
    const next = first && isSipUri(first.uri) ? first.uri : dialog.remoteTarget;
    if (!isSipUri(next)) throw new SipError(416, 'Unsupported URI Scheme');
    return destinationFor(next);
  }

  /** Our Contact for a call: the user the caller dialled, at our address for that transport. */
  #localContact(invite: SipRequest, protocol: TransportProtocol): NameAddr {
    const { host, port } = this.#transport.localEndpoint(protocol);
    const user = isSipUri(invite.uri) && invite.uri.user ? invite.uri.user : 'camera';
    return new NameAddr(new SipUri({ user, host: sipHost(host), port, params: new Map([['transport', protocol]]) }));
  }

  /** A request in a non-INVITE client transaction, as a promise of its final response. */
  #sendRequest(request: SipRequest, destination: Destination): Promise<SipResponse> {
    const transactions = this.#transactions;
    if (!transactions) return Promise.reject(new Error('user agent not attached to a transaction layer'));
    return new Promise((resolve, reject) => {
      transactions.sendRequest(request, destination, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onTimeout: (error) => reject(error),
        onTransportError: (error) => reject(error),
      });
    });
  }

  /** Trusts the registrar's address(es) until the registration closes (its only way to 'disabled'). */
  #trustRegistrar(registration: Registration, host: string): void {
    const releases: (() => void)[] = [];
    let closed = false;
    registration.on('state', (state) => {
      if (state !== 'disabled') return;
      closed = true;
      for (const release of releases.splice(0)) release();
    });
    const trust = (addresses: readonly string[]) => {
      if (closed) return;
      for (const address of addresses) releases.push(this.#transport.trustSource(address));
      this.#log.info({ registrar: host, addresses }, 'registrar exempt from the rate limit');
    };
    const literal = socketHost(host);
    if (isIP(literal)) {
      trust([literal]);
      return;
    }
    lookup(host, { all: true }).then(
      (found) => trust(found.map((a) => a.address)),
      (error: unknown) => this.#log.warn({ err: error, registrar: host }, 'registrar address not resolved; it stays rate limited'),
    );
  }

  readonly #onConnectionClosed = (connectionId: string): void => {
    this.#registrar.connectionClosed(connectionId);
    for (const entry of this.#calls.values()) {
      if (entry.call.source.connectionId !== connectionId) continue;
      entry.connectionOpen = false;
      // A browser cannot be reached any other way; a TCP phone can be dialled again.
      if (isWebSocket(entry.call.transport)) void entry.call.abort('transport-error');
    }
  };
}

function registrarDestination(registrar: RegistrarAddress): Destination {
  return { protocol: registrar.transport, host: registrar.host, port: registrar.port };
}

/** Whether a digest-uri names the request's Request-URI (compared as parsed URIs). */
function sameUri(digestUri: string, request: SipRequest): boolean {
  try {
    return parseUri(digestUri).toString() === request.uri.toString();
  } catch {
    return false;
  }
}
