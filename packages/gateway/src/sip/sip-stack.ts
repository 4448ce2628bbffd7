/**
 * The SIP stack as the rest of the gateway sees it: one object that binds the transports
 * (UDP, TCP, WebSocket on the shared HTTP server), runs the transaction layer and the
 * user agent, and reports new calls.
 *
 *   const sip = new SipStack({ udp: { port: 5060 }, tcp: { port: 5060 }, ws: { server }, softphoneAuth });
 *   sip.on('invite', (call) => { call.ring(); ... await call.accept(answerSdp); });
 *   await sip.start();
 *   const registration = sip.register({ registrar, aor, password });
 *   ...
 *   await sip.close();   // BYE to live calls, unregister, close sockets
 *
 * Layering (RFC 3261): transport -> transaction -> user agent (dialogs, calls, registrations).
 */
import type { Server as HttpServer } from 'node:http';

import { systemClock, type Clock } from '../core/clock.ts';
import { InvalidStateError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import { TransactionLayer } from './transaction/transaction-layer.ts';
import { baseTimers, type BaseTimers } from './transaction/timers.ts';
import { TransportLayer } from './transport/transport-layer.ts';
import type { RateLimit } from './transport/ingress-guard.ts';
import { TrustedProxies } from './transport/trusted-proxies.ts';
import type { IncomingCall } from './ua/incoming-call.ts';
import type { OutgoingCall } from './ua/outgoing-call.ts';
import type { SoftphoneBinding } from './ua/registrar.ts';
import type { Registration, RegistrationOptions, RegistrationTimings } from './ua/registration.ts';
import type { CallAdmissionLimits } from './ua/call-admission.ts';
import { UserAgent, type SoftphoneAuth } from './ua/user-agent.ts';

/** Resource bounds of the SIP stack (issue #9: no remote peer can exhaust them). */
export interface SipLimits {
  /** TCP and WebSocket connections, each (1024). */
  maxConnections?: number;
  /** TCP, and WebSocket, connections from one IP address (32). */
  maxConnectionsPerAddress?: number;
  /** TCP/WebSocket connections idle this long are closed (15 min). */
  idleTimeoutMs?: number;
  /** A TCP message (and a new connection's first one) must be complete this long after it starts (10 s). */
  messageTimeoutMs?: number;
  /** Bytes queued for a TCP/WebSocket peer that does not read before it is cut off (256 KiB). */
  maxWriteBufferBytes?: number;
  /** Live transactions in all (5000). */
  maxTransactions?: number;
  /** Live server transactions of one source IP address (200). */
  maxTransactionsPerSource?: number;
  /**
   * Per-source-IP message rate (default 50/s, burst 100); `false` turns it off (load tests
   * from one address). The registrars of running registrations are exempt.
   */
  rateLimit?: RateLimit | false;
}

export interface SipStackOptions {
  logger?: Logger;
  clock?: Clock;
  /** UDP listener; port 0 for an ephemeral port (see `ports`). */
  udp?: { host?: string; port: number };
  /** TCP listener; port 0 for an ephemeral port. */
  tcp?: { host?: string; port: number };
  /** SIP over WebSocket on the HTTP server (path `/sip` by default). Requires `softphoneAuth`. */
  ws?: { server: HttpServer; path?: string };
  /** Host for Via and Contact when listening on a wildcard address. */
  publicHost?: string;
  /** Server / User-Agent header value. */
  userAgent?: string;
  /** Accounts WebSocket INVITEs authenticate against (407 digest challenge). */
  softphoneAuth?: SoftphoneAuth;
  /** Call quotas of the user agent (concurrent calls, per source, un-ACKed INVITEs). */
  admission?: Partial<CallAdmissionLimits>;
  /** Resource bounds; defaults in `DEFAULT_CONNECTION_LIMITS`, transport-layer.ts and transaction-layer.ts. */
  limits?: SipLimits;
  /**
   * IP addresses of the SIP proxies in front of us (a Kamailio dispatcher): exempt from the
   * per-source limits; their calls' caller and source come from P-Asserted-Identity and Via.
   */
  trustedProxies?: readonly string[];
  /**
   * T1, T2, T4 for the transactions and the calls' 2xx retransmission (RFC 3261 Table 4);
   * the RFC's values where absent. Tests shorten them so Timers B, F, H, L end in seconds.
   */
  timers?: Partial<BaseTimers>;
  /** Registration retry/refresh timing (tests shorten it). */
  registrationTimings?: Partial<RegistrationTimings>;
}

export interface SipStackEvents extends Record<string, unknown[]> {
  /** A new incoming call. Without a listener calls are answered 480. */
  invite: [call: IncomingCall];
}

export interface SipStackStats {
  /** Live client and server transactions. */
  transactions: number;
  /** Dialogs not yet terminated. */
  dialogs: number;
  /** Calls not yet ended (includes unanswered INVITEs). */
  calls: number;
  /** Open TCP and WebSocket connections. */
  connections: number;
}

type StackState = 'new' | 'starting' | 'running' | 'closed';

export class SipStack extends TypedEmitter<SipStackEvents> {
  readonly #options: SipStackOptions;
  readonly #clock: Clock;
  /** The layers name themselves (component sip-transport, sip-transaction, sip-ua) on the root logger. */
  readonly #rootLog: Logger;
  readonly #log: Logger;
  readonly #timers: BaseTimers;
  #state: StackState = 'new';
  #transport: TransportLayer | undefined;
  #transactions: TransactionLayer | undefined;
  #ua: UserAgent | undefined;

  constructor(options: SipStackOptions) {
    super({ ...(options.logger && { logger: options.logger.child({ component: 'sip' }) }) });
    if (options.ws && !options.softphoneAuth) throw new InvalidStateError('SIP over WebSocket needs softphoneAuth: browser calls must authenticate');
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#rootLog = options.logger ?? createLogger();
    this.#log = this.#rootLog.child({ component: 'sip' });
    this.#timers = baseTimers(options.timers);
  }

  /** Binds the listeners. Rejects (having closed what it opened) if a port is taken. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new InvalidStateError(`cannot start a SIP stack that is ${this.#state}`);
    this.#state = 'starting';
    const o = this.#options;
    const limits = o.limits ?? {};
    const timers = this.#timers;
    const trustedProxies = new TrustedProxies(o.trustedProxies);
    const transport = await TransportLayer.create({
      ...(o.udp && { udp: o.udp }),
      ...(o.tcp && { tcp: o.tcp }),
      ...(o.ws && { ws: o.ws }),
      ...(o.publicHost && { publicHost: o.publicHost }),
      connectionLimits: definedOnly({
        maxConnections: limits.maxConnections,
        maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
        idleTimeoutMs: limits.idleTimeoutMs,
        messageTimeoutMs: limits.messageTimeoutMs,
      }),
      ...(limits.maxWriteBufferBytes !== undefined && { maxWriteBufferBytes: limits.maxWriteBufferBytes }),
      ...(limits.rateLimit !== undefined && { rateLimit: limits.rateLimit }),
      trustedProxies,
      clock: this.#clock,
      logger: this.#rootLog,
    });
    // close() while the sockets were being bound: release them instead of coming up.
    if (this.#isClosed()) {
      transport.close();
      throw new InvalidStateError('SIP stack closed while starting');
    }
    const ua = new UserAgent({
      transport,
      clock: this.#clock,
      logger: this.#rootLog,
      userAgent: o.userAgent ?? 'camgate',
      timers,
      ...(o.softphoneAuth && { softphoneAuth: o.softphoneAuth }),
      ...(o.registrationTimings && { registrationTimings: o.registrationTimings }),
      ...(o.admission && { admission: o.admission }),
      trustedProxies,
    });
    const transactions = new TransactionLayer({
      transport,
      delegate: ua,
      clock: this.#clock,
      logger: this.#rootLog,
      timers,
      ...(limits.maxTransactions !== undefined && { maxTransactions: limits.maxTransactions }),
      ...(limits.maxTransactionsPerSource !== undefined && { maxTransactionsPerSource: limits.maxTransactionsPerSource }),
    });
    ua.attach(transactions);
    ua.on('invite', (call) => {
      if (!this.safeEmit('invite', call)) call.reject(480, 'Temporarily Unavailable');
    });
    this.#transport = transport;
    this.#transactions = transactions;
    this.#ua = ua;
    this.#state = 'running';
    this.#log.info({ ports: transport.ports, ws: Boolean(o.ws), trustedProxies: o.trustedProxies ?? [] }, 'SIP stack started');
  }

  /** Bound UDP and TCP ports (the actual ones when 0 was asked). */
  get ports(): { udp?: number; tcp?: number } {
    return this.#running().transport.ports;
  }

  /**
   * Registers with a SIP provider; watch its 'state' events. Its registrar's address skips
   * the rate limit while it runs (the provider's calls all come from there). Closed with the stack.
   */
  register(options: RegistrationOptions): Registration {
    return this.#running().ua.register(options);
  }

  /** Browsers registered with a softphone account (see `UserAgent.softphoneBindings`). */
  softphoneBindings(account: string): SoftphoneBinding[] {
    return this.#running().ua.softphoneBindings(account);
  }

  /** Places an outgoing call (see `UserAgent.call`). */
  call(options: Parameters<UserAgent['call']>[0]): OutgoingCall {
    return this.#running().ua.call(options);
  }

  stats(): SipStackStats {
    const { transport, transactions, ua } = this.#running();
    return { transactions: transactions.size, dialogs: ua.dialogCount, calls: ua.callCount, connections: transport.connectionCount };
  }

  /** Hangs up live calls, unregisters, then closes transactions and sockets. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'closed';
    if (!wasRunning) return;
    await this.#ua!.close();
    this.#transactions!.close();
    this.#transport!.close();
    this.removeAllListeners();
    this.#log.info('SIP stack closed');
  }

  /** State read after an await (the compiler's narrowing does not know close() may have run). */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #running(): { transport: TransportLayer; transactions: TransactionLayer; ua: UserAgent } {
    if (this.#state !== 'running') throw new InvalidStateError(`SIP stack is ${this.#state}`);
    return { transport: this.#transport!, transactions: this.#transactions!, ua: this.#ua! };
  }
}


/** `values` without its undefined entries (exactOptionalPropertyTypes). */
function definedOnly<T extends Record<string, number | undefined>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
