/**
 * SIP over WebSocket (RFC 7118), server side, sharing an existing HTTP server: only
 * upgrade requests to `path` offering the `sip` subprotocol are taken; everything else
 * (socket.io on /socket.io) is left alone. One SIP message per frame, text or binary.
 * Browsers cannot be reached any other way, so requests to them go over their
 * connection id. Bounded like TCP: connections per address and in all (refused with 503
 * before the upgrade), a first SIP message owed within `WS_FIRST_MESSAGE_TIMEOUT_MS` of
 * the upgrade, an idle timeout, and a write buffer cap for browsers that stop reading.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { MAX_MESSAGE_SIZE } from '../message/parser.ts';
import { ConnectionRegistry, type Connection, type ConnectionLimits } from './connection-registry.ts';
import { isConnectionDestination, unmappedAddress, type Destination, type MessageSource, type Transport, type TransportEvents } from './transport.ts';

export interface WsAttachOptions extends ConnectionLimits {
  server: HttpServer;
  /** URL path of the SIP WebSocket endpoint; `/sip` by default. */
  path?: string;
  clock: Clock;
  logger: Logger;
  /** Bytes queued for a browser that does not read, beyond which its connection is closed. */
  maxWriteBufferBytes: number;
}

const SUBPROTOCOL = 'sip';
/**
 * An upgraded connection that has sent no SIP message this long is closed. Longer than
 * the TCP message deadline: the softphone connects, then may wait for the person to
 * allow the microphone before its INVITE.
 */
export const WS_FIRST_MESSAGE_TIMEOUT_MS = 60_000;

class WsConnection implements Connection {
  readonly remoteAddress: string;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly source: MessageSource,
    readonly maxWriteBufferBytes: number,
  ) {
    this.remoteAddress = unmappedAddress(source.remoteAddress);
  }

  send(data: Buffer): Promise<void> {
    if (this.socket.bufferedAmount + data.length > this.maxWriteBufferBytes) {
      this.socket.terminate();
      return Promise.reject(new InvalidStateError(`connection ${this.id}: peer does not read (over ${this.maxWriteBufferBytes} bytes queued), closed`));
    }
    // Text frames when possible: JsSIP decodes binary frames as Latin-1.
    return new Promise((resolve, reject) =>
      this.socket.send(data, { binary: !isUtf8(data) }, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): void {
    // ws destroys the socket itself if the peer never answers the close handshake.
    this.socket.close(1001, 'going away');
  }
}

export class WsTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol: 'ws' | 'wss';
  readonly reliable = true;
  readonly #server: HttpServer;
  readonly #path: string;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_SIZE, handleProtocols: () => SUBPROTOCOL });
  readonly #connections: ConnectionRegistry<WsConnection>;
  readonly #log: Logger;
  readonly #maxWriteBufferBytes: number;
  #nextId = 1;
  #closed = false;

  constructor(options: WsAttachOptions) {
    super({ logger: options.logger });
    this.#server = options.server;
    this.#path = options.path ?? '/sip';
    this.protocol = options.server instanceof TlsServer ? 'wss' : 'ws';
    this.#log = options.logger;
    this.#maxWriteBufferBytes = options.maxWriteBufferBytes;
    this.#connections = new ConnectionRegistry(options.clock, { ...options, messageTimeoutMs: WS_FIRST_MESSAGE_TIMEOUT_MS }, (c, reason) =>
      this.#log.info({ remoteAddress: c.source.remoteAddress, remotePort: c.source.remotePort, reason }, 'WebSocket connection closed'),
    );
    this.#server.on('upgrade', this.#onUpgrade);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  send(data: Buffer, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidStateError('WebSocket transport closed'));
    if (!isConnectionDestination(destination)) {
      return Promise.reject(new InvalidStateError('a WebSocket client can only be reached over its open connection'));
    }
    const connection = this.#connections.get(destination.connectionId);
    if (!connection) return Promise.reject(new InvalidStateError(`connection ${destination.connectionId} is closed`));
    return connection.send(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.off('upgrade', this.#onUpgrade);
    this.#connections.closeAll();
    this.#wss.close();
  }

  /** An exception here would escape into the HTTP server's 'upgrade' event: never let one out. */
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      const path = (request.url ?? '').split('?')[0];
      if (path !== this.#path) return; // someone else's upgrade (socket.io)
      const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
      if (!offered.includes(SUBPROTOCOL)) return refuse(socket, 400, 'Bad Request');
      const refusal = this.#closed ? 'closed' : this.#connections.refusal(unmappedAddress(request.socket.remoteAddress ?? ''));
      if (refusal) {
        this.#log.debug({ remoteAddress: request.socket.remoteAddress, reason: refusal }, 'WebSocket upgrade refused');
        return refuse(socket, 503, 'Service Unavailable');
      }
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#adopt(ws, request));
    } catch (error) {
      this.#log.error({ err: error, remoteAddress: request.socket.remoteAddress }, 'WebSocket upgrade failed');
      socket.destroy();
    }
  };

  #adopt(ws: WebSocket, request: IncomingMessage): void {
    const id = `${this.protocol}-${this.#nextId++}`;
    const source: MessageSource = {
      protocol: this.protocol,
      remoteAddress: request.socket.remoteAddress ?? '',
      remotePort: request.socket.remotePort ?? 0,
      localAddress: request.socket.localAddress ?? '',
      localPort: request.socket.localPort ?? 0,
      connectionId: id,
    };
    const connection = new WsConnection(id, ws, source, this.#maxWriteBufferBytes);
    if (!this.#connections.add(connection)) {
      ws.terminate();
      return;
    }
    this.#connections.startMessageDeadline(id);
    ws.on('message', (data: RawData) => {
      try {
        this.#connections.touch(id);
        this.#connections.clearMessageDeadline(id);
        this.safeEmit('message', toBuffer(data), source);
      } catch (error) {
        this.#log.error({ err: error, remoteAddress: source.remoteAddress, remotePort: source.remotePort }, 'WebSocket message handling failed');
        ws.terminate();
      }
    });
    ws.on('error', () => undefined); // 'close' follows
    ws.on('close', () => {
      this.#connections.remove(id);
      this.safeEmit('connection-closed', id);
    });
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
