/**
 * The transaction layer (RFC 3261 17): matches what the transport delivers to live
 * transactions, creates server transactions for new requests and hands them to the TU
 * through a delegate, and creates client transactions for the TU's requests.
 *
 * Mechanical duties handled here so every TU gets them right: 100 Trying for INVITE
 * (17.2.1), the stateless-with-a-transaction answers of the UAS checks (416, 420, 482
 * merged requests of 8.2.2.2), CANCEL matching and its 200/481 (9.2), dropping responses
 * with extra Vias (8.1.3.3), and 503 once `maxTransactions` are live, or once one source
 * address has `maxTransactionsPerSource` server transactions live (so a few flooding
 * sources cannot deny service to everyone else; trusted registrars are exempt).
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { clip } from '../message/clip.ts';
import { newBranch } from '../message/ids.ts';
import type { Via } from '../message/via.ts';
import { SipRequest, type SipMessage, type SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { checkRequest, rfc3261_8_1_3_3 } from '../message/sanity.ts';
import { SipError } from '../sip-error.ts';
import type { TransportLayerEvents } from '../transport/transport-layer.ts';
import { unmappedAddress, type Destination, type MessageSource } from '../transport/transport.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { ackMatches, ackTransactionKeys, clientTransactionKey, responseTransactionKey, serverTransactionKey } from './transaction-matching.ts';
import { baseTimers, type BaseTimers } from './timers.ts';
import type { TransactionTransport } from './transaction.ts';
import type { ClientTransactionUser } from './transaction-user.ts';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export interface TransactionLayerDelegate {
  /**
   * A new request (never a retransmission, never ACK or CANCEL). The TU answers through
   * `transaction.respond()`; throwing a `SipError` answers with it, anything else with 500.
   */
  onRequest(request: SipRequest, transaction: ServerTransaction, source: MessageSource): void;
  /** An ACK for a 2xx: it has no transaction of its own (RFC 3261 17.1.1.3, RFC 6026). */
  onAck(ack: SipRequest, source: MessageSource): void;
  /**
   * A CANCEL matched an INVITE still waiting for its final response. The CANCEL has
   * already been answered 200; the TU should now answer the INVITE 487 (RFC 3261 9.2).
   */
  onCancel(invite: InviteServerTransaction, cancel: SipRequest): void;
  /** A response no client transaction claims, e.g. a 2xx retransmitted after Timer M (17.1.1.2). */
  onStrayResponse?(response: SipResponse, source: MessageSource): void;
}

/** The part of the transport layer (`TransportLayer`) transactions use. */
export interface TransactionTransportLayer {
  on<K extends keyof TransportLayerEvents>(event: K, listener: (...args: TransportLayerEvents[K]) => void): unknown;
  off<K extends keyof TransportLayerEvents>(event: K, listener: (...args: TransportLayerEvents[K]) => void): unknown;
  sendRequest(request: SipRequest, destination: Destination): Promise<void>;
  sendResponse(response: SipResponse, source: MessageSource): Promise<void>;
  isReliable(destination: Destination): boolean;
  /** Sources exempt from the per-source quota (the registrars we register with: a provider's calls all come from there). */
  isTrustedSource(address: string): boolean;
  localVia(destination: Destination, branch: string): Via;
}

export interface TransactionLayerOptions {
  transport: TransactionTransportLayer;
  delegate: TransactionLayerDelegate;
  /** Option tags we support; a Require naming anything else gets 420 (RFC 3261 8.2.2.3). */
  supported?: ReadonlySet<string>;
  /** Live transactions (client + server) beyond which new requests get 503. */
  maxTransactions?: number;
  /** Live server transactions of one source IP address beyond which its new requests get 503. */
  maxTransactionsPerSource?: number;
  /** T1, T2, T4 (RFC 3261 17.1.1.1, Table 4); the RFC's values where absent. */
  timers?: Partial<BaseTimers>;
  clock?: Clock;
  logger?: Logger;
}

export const DEFAULT_MAX_TRANSACTIONS = 5000;
/**
 * A phone has a handful live (a call, its re-INVITE, INFO, OPTIONS kept for Timer J's 32 s);
 * a scanner at the rate limit (50/s) would hold 1,600.
 */
export const DEFAULT_MAX_TRANSACTIONS_PER_SOURCE = 200;
/** Seconds a client should wait before retrying when we are full. */
const RETRY_AFTER_S = 5;

export class TransactionLayer {
  readonly #transport: TransactionTransportLayer;
  readonly #delegate: TransactionLayerDelegate;
  readonly #supported: ReadonlySet<string>;
  readonly #max: number;
  readonly #maxPerSource: number;
  /** Live server transactions per source address. */
  readonly #perSource = new Map<string, number>();
  readonly #timers: BaseTimers;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #server = new Map<string, ServerTransaction>();
  readonly #client = new Map<string, ClientTransaction>();
  /** RFC 3261 8.2.2.2: From tag + Call-ID + CSeq of requests without To tag -> transaction key. */
  readonly #merge = new Map<string, string>();
  /** Where each INVITE went, so its CANCEL follows (RFC 3261 9.1). */
  readonly #destinations = new WeakMap<InviteClientTransaction, Destination>();
  /** The table was full when last checked (its warning is logged once). */
  #saturated = false;
  #closed = false;

  constructor(options: TransactionLayerOptions) {
    this.#transport = options.transport;
    this.#delegate = options.delegate;
    this.#supported = options.supported ?? new Set();
    this.#max = options.maxTransactions ?? DEFAULT_MAX_TRANSACTIONS;
    this.#maxPerSource = options.maxTransactionsPerSource ?? DEFAULT_MAX_TRANSACTIONS_PER_SOURCE;
    this.#timers = baseTimers(options.timers);
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? createLogger()).child({ component: 'sip-transaction' });
    this.#transport.on('request', this.#onRequest);
    this.#transport.on('response', this.#onResponse);
  }

  /** The T1, T2, T4 in force. */
  get timers(): BaseTimers {
    return this.#timers;
  }

  /** Live transactions, client and server. */
  get size(): number {
    return this.#server.size + this.#client.size;
  }

  /**
   * Sends `request` in a new client transaction: adds the top Via with a fresh branch
   * (RFC 3261 8.1.1.7) and starts the timers. INVITE gets an INVITE client transaction.
   * ACK (use `sendAck`) and CANCEL (use `sendCancel`) are refused.
   */
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK' || request.method === 'CANCEL') {
      throw new InvalidStateError(`${request.method} is sent with send${request.method === 'ACK' ? 'Ack' : 'Cancel'}()`);
    }
    const branch = newBranch();
    request.headers.prepend('Via', this.#transport.localVia(destination, branch));
    return this.#startClient(request, branch, destination, user);
  }

  /**
   * Cancels a pending INVITE (RFC 3261 9.1): a CANCEL with the INVITE's Request-URI,
   * Call-ID, From, To, CSeq number, top Via and Route, in its own transaction, to the same
   * destination. Only once a provisional response arrived (`invite.cancellable`).
   */
  sendCancel(invite: InviteClientTransaction, user: ClientTransactionUser): NonInviteClientTransaction {
    if (!invite.cancellable) throw new InvalidStateError(`cannot CANCEL an INVITE in state ${invite.state}`);
    const original = invite.request;
    const topVia = original.headers.getAll('Via')[0]!;
    const cancel = new SipRequest('CANCEL', original.uri, {
      headers: [
        ['Via', topVia],
        ['Max-Forwards', '70'],
        ['From', original.headers.get('From')!],
        ['To', original.headers.get('To')!],
        ['Call-ID', original.callId],
        ['CSeq', `${original.cseq.seq} CANCEL`],
        ...original.headers.getAll('Route').map((route): [string, string] => ['Route', route]),
      ],
    });
    const destination = this.#destinations.get(invite)!;
    return this.#startClient(cancel, original.via.branch!, destination, user) as NonInviteClientTransaction;
  }

  /** Sends the ACK for a 2xx, outside any transaction, with a new branch (RFC 3261 13.2.2.4, 17.1.1.3). */
  sendAck(ack: SipRequest, destination: Destination): Promise<void> {
    ack.headers.prepend('Via', this.#transport.localVia(destination, newBranch()));
    return this.#transport.sendRequest(ack, destination);
  }

  /** Idempotent: ends every transaction (clearing its timers) and detaches from the transport. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.off('request', this.#onRequest);
    this.#transport.off('response', this.#onResponse);
    for (const transaction of [...this.#server.values(), ...this.#client.values()]) transaction.dispose();
    this.#server.clear();
    this.#client.clear();
    this.#merge.clear();
    this.#perSource.clear();
  }

  #startClient(request: SipRequest, branch: string, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    if (this.#closed) throw new InvalidStateError('transaction layer closed');
    const key = clientTransactionKey(branch, request.method);
    const transport: TransactionTransport = {
      reliable: this.#transport.isReliable(destination),
      send: (message: SipMessage) => this.#transport.sendRequest(message as SipRequest, destination),
    };
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, transport, this.#clock, user, this.#timers)
        : new NonInviteClientTransaction(key, request, transport, this.#clock, user, this.#timers);
    if (transaction instanceof InviteClientTransaction) this.#destinations.set(transaction, destination);
    this.#client.set(key, transaction);
    transaction.once('terminated', () => this.#client.delete(key));
    transaction.start();
    return transaction;
  }

  readonly #onRequest = (request: SipRequest, source: MessageSource): void => {
    try {
      this.#receiveRequest(request, source);
    } catch (error) {
      this.#log.error({ err: error, callId: request.headers.get('Call-ID') }, 'request handling failed');
    }
  };

  readonly #onResponse = (response: SipResponse, source: MessageSource): void => {
    try {
      const drop = rfc3261_8_1_3_3(response);
      if (drop) {
        this.#log.debug({ callId: response.callId, reason: drop }, 'response dropped');
        return;
      }
      const transaction = this.#client.get(responseTransactionKey(response));
      if (transaction) transaction.receiveResponse(response);
      else this.#delegate.onStrayResponse?.(response, source);
    } catch (error) {
      this.#log.error({ err: error, callId: response.headers.get('Call-ID') }, 'response handling failed');
    }
  };

  #receiveRequest(request: SipRequest, source: MessageSource): void {
    if (request.method === 'ACK') {
      // An ACK for a non-2xx belongs to its INVITE transaction; an ACK for a 2xx goes to the TU.
      const invite = ackTransactionKeys(request)
        .map((key) => this.#server.get(key))
        .find((t): t is InviteServerTransaction => t instanceof InviteServerTransaction && ackMatches(request, t.lastResponse));
      if (invite && invite.state !== 'accepted') invite.receiveAck();
      else this.#delegate.onAck(request, source);
      return;
    }
    const key = serverTransactionKey(request);
    const existing = this.#server.get(key);
    if (existing) {
      // A retransmission: the transaction absorbs it (17.2.1, 17.2.2).
      if (existing instanceof InviteServerTransaction) existing.receiveInvite();
      else existing.receiveRequest();
      return;
    }
    if (this.#closed) return;
    const address = unmappedAddress(source.remoteAddress);
    const fromSource = this.#perSource.get(address) ?? 0;
    if (this.size >= this.#max || (fromSource >= this.#maxPerSource && !this.#transport.isTrustedSource(address))) {
      const global = this.size >= this.#max;
      // Once per saturation for the whole table (everyone is refused); per request only at debug.
      if (global && !this.#saturated) this.#log.warn({ live: this.size, remoteAddress: address }, 'transaction limit reached, answering 503');
      else this.#log.debug({ callId: request.callId, remoteAddress: address, fromSource }, 'transaction limit of this source reached, answering 503');
      this.#saturated ||= global;
      const busy = createResponse(request, 503, { headers: [['Retry-After', RETRY_AFTER_S]] });
      this.#transport.sendResponse(busy, source).catch(() => undefined);
      return;
    }

    this.#saturated = false;
    const transaction = this.#startServer(key, request, source);
    const rejection = checkRequest(request, this.#supported) ?? this.#rfc3261_8_2_2_2(request, key);
    if (rejection) {
      transaction.respond(createResponse(request, rejection.status, { reason: rejection.reason, headers: rejection.headers }));
      return;
    }
    if (!request.headers.has('Max-Forwards')) this.#log.debug({ callId: request.callId }, 'request without Max-Forwards');

    if (request.method === 'CANCEL') {
      this.#receiveCancel(request, transaction as NonInviteServerTransaction);
      return;
    }
    try {
      this.#delegate.onRequest(request, transaction, source);
    } catch (error) {
      // A SipError is the TU's answer (405, 481, 501 ...); anything else is a bug worth a warning.
      if (error instanceof SipError) this.#log.debug({ callId: request.callId, method: clip(request.method, 32), status: error.status }, 'request refused');
      else this.#log.warn({ err: error, callId: request.callId, method: clip(request.method, 32) }, 'TU failed on request');
      const answer = error instanceof SipError ? error : new SipError(500, 'Server Internal Error');
      if (transaction.state === 'proceeding' || transaction.state === 'trying') {
        transaction.respond(createResponse(request, answer.status, { reason: answer.reason, headers: answer.headers }));
      }
    }
  }

  #startServer(key: string, request: SipRequest, source: MessageSource): ServerTransaction {
    const transport: TransactionTransport = {
      reliable: source.protocol !== 'udp',
      send: (message: SipMessage) => this.#transport.sendResponse(message as SipResponse, source),
    };
    const transaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, request, transport, this.#clock, this.#timers)
        : new NonInviteServerTransaction(key, request, transport, this.#clock, this.#timers);
    this.#server.set(key, transaction);
    const address = unmappedAddress(source.remoteAddress);
    this.#perSource.set(address, (this.#perSource.get(address) ?? 0) + 1);
    const mergeKey = request.to.tag === undefined ? mergeKeyOf(request) : undefined;
    if (mergeKey !== undefined && !this.#merge.has(mergeKey)) this.#merge.set(mergeKey, key);
    transaction.once('terminated', () => {
      this.#server.delete(key);
      const left = this.#perSource.get(address)! - 1;
      if (left > 0) this.#perSource.set(address, left);
      else this.#perSource.delete(address);
      if (mergeKey !== undefined && this.#merge.get(mergeKey) === key) this.#merge.delete(mergeKey);
    });
    // 17.2.1: "the server transaction MUST generate a 100 (Trying) response" (we do not wait the 200 ms).
    if (transaction instanceof InviteServerTransaction) transaction.respond(createResponse(request, 100));
    return transaction;
  }

  /**
   * 8.2.2.2: a request without To tag whose From tag, Call-ID and CSeq match a live
   * transaction's but that is not a retransmission of it arrived by another path: 482.
   */
  #rfc3261_8_2_2_2(request: SipRequest, key: string): SipError | undefined {
    if (request.to.tag !== undefined) return undefined;
    const owner = this.#merge.get(mergeKeyOf(request));
    return owner !== undefined && owner !== key ? new SipError(482, 'Loop Detected') : undefined;
  }

  /** 9.2: 200 to a CANCEL that matches a transaction, 481 otherwise; the TU then answers the INVITE 487. */
  #receiveCancel(cancel: SipRequest, transaction: NonInviteServerTransaction): void {
    const target = this.#server.get(serverTransactionKey(cancel, 'INVITE'));
    if (!target) {
      transaction.respond(createResponse(cancel, 481));
      return;
    }
    transaction.respond(createResponse(cancel, 200, { toTag: target.lastResponse?.to.tag }));
    if (target instanceof InviteServerTransaction && target.state === 'proceeding') this.#delegate.onCancel(target, cancel);
  }
}

function mergeKeyOf(request: SipRequest): string {
  return `${request.from.tag ?? ''}|${request.callId}|${request.cseq.seq}|${request.method}`;
}
