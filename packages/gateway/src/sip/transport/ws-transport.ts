/**
 * SIP over WebSocket (RFC 7118), server side, sharing an existing HTTP server: only
 * upgrade requests to `path` offering the `sip` subprotocol are taken; everything else
 * (socket.io on /socket.io) is left alone. One SIP message per frame, text or binary.
 * Browsers cannot be reached any other way, so requests to them go over their
 * connection id.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { MAX_MESSAGE_SIZE } from '../message/parser.ts';
import { ConnectionRegistry, type Connection, type ConnectionLimits } from './connection-registry.ts';
import { isConnectionDestination, type Destination, type MessageSource, type Transport, type TransportEvents } from './transport.ts';

export interface WsAttachOptions extends ConnectionLimits {
  server: HttpServer;
  /** URL path of the SIP WebSocket endpoint; `/sip` by default. */
  path?: string;
  clock: Clock;
}

const SUBPROTOCOL = 'sip';

class WsConnection implements Connection {
  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly source: MessageSource,
  ) {}

  send(data: Buffer): Promise<void> {
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
  #nextId = 1;
  #closed = false;

  constructor(options: WsAttachOptions) {
    super();
    this.#server = options.server;
    this.#path = options.path ?? '/sip';
    this.protocol = options.server instanceof TlsServer ? 'wss' : 'ws';
    this.#connections = new ConnectionRegistry(options.clock, options);
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

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== this.#path) return; // someone else's upgrade (socket.io)
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
    if (!offered.includes(SUBPROTOCOL)) return refuse(socket, 400, 'Bad Request');
    if (this.#closed || this.#connections.isFull) return refuse(socket, 503, 'Service Unavailable');
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#adopt(ws, request));
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
    const connection = new WsConnection(id, ws, source);
    if (!this.#connections.add(connection)) {
      ws.terminate();
      return;
    }
    ws.on('message', (data: RawData) => {
      this.#connections.touch(id);
      this.safeEmit('message', toBuffer(data), source);
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
