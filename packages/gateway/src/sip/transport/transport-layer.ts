/**
 * Owns the transports (UDP, TCP, WebSocket) and is the SIP transport layer of RFC 3261 18:
 * parses what arrives, stamps `received`/`rport` on the top Via of requests (18.2.1,
 * RFC 3581), answers unparseable-but-addressable requests with 400, drops the rest and
 * anything from scanners or over the per-source rate, and sends responses where 18.2.2
 * says: received/rport or sent-by over UDP; over TCP and WebSocket the request's
 * connection only. When that connection is gone the response is dropped: 18.2.2 allows
 * opening a new one, but a camera on the Internet must not connect out wherever a
 * request's Via points (outbound connections are for requests we originate).
 * Never throws out of its socket handlers.
 */
import type { Server as HttpServer } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { systemClock, type Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { clip } from '../message/clip.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { createResponse } from '../message/response.ts';
import type { SipError } from '../sip-error.ts';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-registry.ts';
import { sipHost, socketHost } from '../message/uri.ts';
import { defaultPort, Via } from '../message/via.ts';
import { DEFAULT_RATE_LIMIT, IngressGuard, isScannerUserAgent, type RateLimit } from './ingress-guard.ts';
import { TcpTransport } from './tcp-transport.ts';
import { TrustedProxies } from './trusted-proxies.ts';
import { isConnectionDestination, type Destination, type MessageSource, type Transport, type TransportProtocol } from './transport.ts';
import { UdpTransport } from './udp-transport.ts';
import { WsTransport } from './ws-transport.ts';

export interface TransportLayerOptions {
  /** UDP listener; port 0 binds an ephemeral port (see `ports`). */
  udp?: { host?: string; port: number };
  /** TCP listener; port 0 binds an ephemeral port. */
  tcp?: { host?: string; port: number };
  /** SIP over WebSocket on an existing HTTP(S) server (shared with socket.io), path `/sip`. */
  ws?: { server: HttpServer; path?: string };
  /** Host written into our Via (and offered for Contact) when bound to a wildcard address. */
  publicHost?: string;
  /** Caps and timeouts of TCP and WebSocket connections (each transport has its own); defaults `DEFAULT_CONNECTION_LIMITS`. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** Bytes queued for a TCP/WebSocket peer that does not read before it is cut off. */
  maxWriteBufferBytes?: number;
  /** Per-source-IP token bucket; `false` turns it off. */
  rateLimit?: RateLimit | false;
  /** Proxies in front of us: exempt from the rate limit and the per-address caps (their callers are counted instead). */
  trustedProxies?: TrustedProxies;
  clock?: Clock;
  logger?: Logger;
}

export type TransportLayerEvents = {
  request: [request: SipRequest, source: MessageSource];
  response: [response: SipResponse, source: MessageSource];
  'connection-closed': [connectionId: string];
};

/** Four messages of the largest size (64 KiB) waiting for a reader (Kamailio's tcp_conn_wq_max is 32 KiB). */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 256 * 1024;

export class TransportLayer extends TypedEmitter<TransportLayerEvents> {
  readonly #udp: UdpTransport | undefined;
  readonly #tcp: TcpTransport | undefined;
  readonly #ws: WsTransport | undefined;
  readonly #guard: IngressGuard | undefined;
  readonly #proxies: TrustedProxies;
  readonly #log: Logger;
  readonly #publicHost: string;
  readonly #wsServer: HttpServer | undefined;
  #closed = false;

  private constructor(
    transports: { udp?: UdpTransport; tcp?: TcpTransport; ws?: WsTransport },
    options: TransportLayerOptions,
  ) {
    const log = transportLogger(options);
    super({ logger: log });
    this.#udp = transports.udp;
    this.#tcp = transports.tcp;
    this.#ws = transports.ws;
    this.#log = log;
    this.#guard = options.rateLimit === false ? undefined : new IngressGuard(options.clock ?? systemClock, this.#log, options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.#proxies = options.trustedProxies ?? new TrustedProxies();
    this.#publicHost = options.publicHost ?? pickHost(options.udp?.host ?? options.tcp?.host);
    this.#wsServer = options.ws?.server;
    for (const transport of [this.#udp, this.#tcp, this.#ws]) {
      transport?.on('message', (data, source) => this.#receive(data, source));
      transport?.on('unframeable', (head, error, source) => this.#receiveUnframeable(head, error, source));
      transport?.on('connection-closed', (id) => this.safeEmit('connection-closed', id));
    }
  }

  /** Binds the configured listeners; rejects (closing what was opened) if one fails. */
  static async create(options: TransportLayerOptions): Promise<TransportLayer> {
    const clock = options.clock ?? systemClock;
    const limits = {
      ...DEFAULT_CONNECTION_LIMITS,
      ...options.connectionLimits,
      maxWriteBufferBytes: options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
      ...(options.trustedProxies && { perAddressExempt: options.trustedProxies }),
      logger: transportLogger(options),
    };
    const opened: Transport[] = [];
    try {
      const udp = options.udp ? await UdpTransport.listen({ ...options.udp, logger: limits.logger }) : undefined;
      if (udp) opened.push(udp);
      const tcp = options.tcp ? await TcpTransport.listen({ ...options.tcp, ...limits, clock }) : undefined;
      if (tcp) opened.push(tcp);
      const ws = options.ws ? new WsTransport({ ...options.ws, ...limits, clock }) : undefined;
      return new TransportLayer({ udp, tcp, ws }, options);
    } catch (error) {
      for (const transport of opened) transport.close();
      throw error;
    }
  }

  /** Bound ports (useful with port 0). */
  get ports(): { udp?: number; tcp?: number } {
    return { udp: this.#udp?.address.port, tcp: this.#tcp?.address.port };
  }

  /** Open TCP and WebSocket connections. */
  get connectionCount(): number {
    return (this.#tcp?.connectionCount ?? 0) + (this.#ws?.connectionCount ?? 0);
  }

  /** Our host and port for `protocol`, as written in Via and usable in a Contact. */
  localEndpoint(protocol: TransportProtocol): { host: string; port: number } {
    const wsAddress = this.#wsServer?.address();
    const wsPort = wsAddress && typeof wsAddress === 'object' ? wsAddress.port : undefined;
    const port = protocol === 'udp' ? this.#udp?.address.port : protocol === 'tcp' ? this.#tcp?.address.port : wsPort;
    return { host: this.#publicHost, port: port ?? defaultPort(protocol) };
  }

  /** The protocol a destination is reached with. */
  protocolOf(destination: Destination): TransportProtocol {
    if (!isConnectionDestination(destination)) return destination.protocol;
    const id = destination.connectionId;
    if (id.startsWith('tcp-')) return 'tcp';
    if (id.startsWith('wss-')) return 'wss';
    if (id.startsWith('ws-')) return 'ws';
    throw new InvalidStateError(`unknown connection ${id}`);
  }

  /**
   * Exempts requests from `address` from the per-source rate limit until the returned
   * function is called (a SIP provider's proxy sends every call from one address).
   */
  trustSource(address: string): () => void {
    return this.#guard?.trust(address) ?? (() => undefined);
  }

  /** Whether `address` is exempt from per-source limits: a trusted proxy, or see `trustSource`. */
  isTrustedSource(address: string): boolean {
    return this.#proxies.has(address) || (this.#guard?.isTrusted(address) ?? false);
  }

  /** Reliable transports need no retransmissions (RFC 3261 17.1.1.2, 17.1.2.2). */
  isReliable(destination: Destination): boolean {
    return this.protocolOf(destination) !== 'udp';
  }

  /** The Via a request to `destination` carries (RFC 3261 18.1.1), asking for rport (RFC 3581). */
  localVia(destination: Destination, branch: string): Via {
    const protocol = this.protocolOf(destination);
    const { host, port } = this.localEndpoint(protocol);
    return new Via(protocol.toUpperCase(), sipHost(host), port, new Map<string, string | null>([['branch', branch], ['rport', null]]));
  }

  sendRequest(request: SipRequest, destination: Destination): Promise<void> {
    return this.#send(request.toBuffer(), destination);
  }

  /** RFC 3261 18.2.2 (with RFC 3581): where a response to a request from `source` goes. */
  sendResponse(response: SipResponse, source: MessageSource): Promise<void> {
    const data = response.toBuffer();
    if (source.connectionId !== undefined) return this.#send(data, { connectionId: source.connectionId });
    return this.#send(data, viaTarget(response, source.protocol));
  }

  /** Idempotent: closes every transport, connection and timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#guard?.close();
    this.#udp?.close();
    this.#tcp?.close();
    this.#ws?.close();
  }

  #transportOf(protocol: TransportProtocol): Transport | undefined {
    return protocol === 'udp' ? this.#udp : protocol === 'tcp' ? this.#tcp : this.#ws;
  }

  #send(data: Buffer, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidStateError('transport layer closed'));
    const transport = this.#transportOf(this.protocolOf(destination));
    if (!transport) return Promise.reject(new InvalidStateError(`no ${this.protocolOf(destination)} transport`));
    return transport.send(data, destination);
  }

  #receive(data: Buffer, source: MessageSource): void {
    let request: SipRequest | undefined;
    try {
      if (isOnlyLineBreaks(data)) return; // keep-alive
      if (!this.#withinRate(source.remoteAddress)) return;
      const result = parseMessage(data, { requireContentLength: source.protocol === 'tcp' });
      if (!result.ok) {
        this.#log.debug({ remoteAddress: source.remoteAddress, reason: clip(result.error.reason) }, 'unparseable message');
        if (result.rejection) this.#replyTo(source, result.rejection);
        return;
      }
      const message = result.message;
      if (!message.isRequest()) {
        this.safeEmit('response', message, source);
        return;
      }
      if (isScannerUserAgent(message.header('User-Agent'))) {
        this.#log.debug({ remoteAddress: source.remoteAddress }, 'scanner dropped');
        return;
      }
      request = message;
      stampReceived(message, source);
      this.safeEmit('request', message, source);
    } catch (error) {
      // A bug, never the peer's fault: say who sent it, and answer a request 500 rather than nothing.
      this.#log.error({ err: error, remoteAddress: source.remoteAddress, remotePort: source.remotePort, protocol: source.protocol }, 'inbound message handling failed');
      if (request && request.method !== 'ACK') this.#answer500(request, source);
    }
  }

  /** The per-source rate limit; trusted proxies bring many callers and are exempt. */
  #withinRate(address: string): boolean {
    return this.#proxies.has(address) || this.#guard?.admit(address) !== 'drop';
  }

  #answer500(request: SipRequest, source: MessageSource): void {
    try {
      this.#replyTo(source, createResponse(request, 500));
    } catch {
      // Nothing sensible can be said to a request that fails even this.
    }
  }

  /** A stream that lost framing: 400 (or 513) to the broken message when its head can be read. */
  #receiveUnframeable(head: Buffer | undefined, error: SipError, source: MessageSource): void {
    try {
      this.#log.debug({ remoteAddress: source.remoteAddress, reason: error.reason }, 'stream framing lost, closing');
      if (!head || !this.#withinRate(source.remoteAddress)) return;
      const result = parseMessage(head, { requireContentLength: true });
      if (!result.ok && result.rejection) this.#replyTo(source, result.rejection);
    } catch (failure) {
      this.#log.error({ err: failure, remoteAddress: source.remoteAddress, remotePort: source.remotePort }, 'unframeable message handling failed');
    }
  }

  /** A stateless answer straight back to where the bytes came from. */
  #replyTo(source: MessageSource, response: SipResponse): void {
    const destination: Destination = source.connectionId !== undefined
      ? { connectionId: source.connectionId }
      : { protocol: source.protocol, host: source.remoteAddress, port: source.remotePort };
    this.#send(response.toBuffer(), destination).catch(() => undefined);
  }
}

/**
 * RFC 3261 18.2.1: add `received` when sent-by is not the packet's source address;
 * RFC 3581 4: when the client asked for `rport`, fill it in and always add `received`.
 */
function stampReceived(request: SipRequest, source: MessageSource): void {
  const top = request.via;
  const wantsRport = top.rport === true;
  if (!wantsRport && socketHost(top.host) === source.remoteAddress) return;
  let stamped = top.withParam('received', source.remoteAddress);
  if (wantsRport) stamped = stamped.withParam('rport', String(source.remotePort));
  request.headers.remove('Via', 0);
  request.headers.prepend('Via', stamped);
}

function transportLogger(options: TransportLayerOptions): Logger {
  return (options.logger ?? createLogger()).child({ component: 'sip-transport' });
}

/** RFC 3261 18.2.2 / RFC 3581 4 for an unreliable transport. */
function viaTarget(response: SipResponse, protocol: TransportProtocol): Destination {
  const via = response.via;
  const host = socketHost(via.received ?? via.host);
  const rport = via.rport;
  const port = typeof rport === 'number' && via.received !== undefined ? rport : (via.port ?? defaultPort(via.transport));
  return { protocol, host, port };
}

function isOnlyLineBreaks(data: Buffer): boolean {
  return data.every((byte) => byte === 0x0d || byte === 0x0a);
}

/** The bound host, or for a wildcard bind the first external IPv4 address. */
function pickHost(bound: string | undefined): string {
  if (bound && bound !== '0.0.0.0' && bound !== '::' && isIP(bound)) return bound;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}
