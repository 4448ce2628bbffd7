/**
 * SIP over TCP (RFC 3261 18.3): a listening server plus outbound connections opened on
 * demand; responses go back over the connection a request came on. Streams are framed by
 * Content-Length; a connection that loses framing (no Content-Length, over 64 KiB) is
 * closed, as is one idle for `idleTimeoutMs`.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { ConnectionRegistry, type Connection, type ConnectionLimits } from './connection-registry.ts';
import { StreamFramer } from './stream-framer.ts';
import { isConnectionDestination, type Destination, type MessageSource, type Transport, type TransportEvents } from './transport.ts';

export interface TcpListenOptions extends ConnectionLimits {
  host?: string;
  port: number;
  clock: Clock;
}

const CRLF = Buffer.from('\r\n');

class TcpConnection implements Connection {
  readonly framer = new StreamFramer();
  constructor(
    readonly id: string,
    readonly socket: Socket,
    /** The host a client connection was opened to (may be a name), for reuse. */
    readonly dialedHost?: string,
  ) {}

  get source(): MessageSource {
    return {
      protocol: 'tcp',
      remoteAddress: this.socket.remoteAddress ?? '',
      remotePort: this.socket.remotePort ?? 0,
      localAddress: this.socket.localAddress ?? '',
      localPort: this.socket.localPort ?? 0,
      connectionId: this.id,
    };
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    this.socket.destroy();
  }
}

export class TcpTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  readonly #server: Server;
  readonly #connections: ConnectionRegistry<TcpConnection>;
  #nextId = 1;
  #closed = false;

  private constructor(server: Server, options: TcpListenOptions) {
    super();
    this.#server = server;
    this.#connections = new ConnectionRegistry(options.clock, options);
    server.on('connection', (socket) => {
      if (this.#closed || !this.#adopt(socket)) socket.destroy();
    });
  }

  static listen(options: TcpListenOptions): Promise<TcpTransport> {
    const server = createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve(new TcpTransport(server, options));
      });
    });
  }

  get address(): { address: string; port: number } {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new InvalidStateError('TCP server not listening');
    return address;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async send(data: Buffer, destination: Destination): Promise<void> {
    if (this.#closed) throw new InvalidStateError('TCP transport closed');
    if (isConnectionDestination(destination)) {
      const connection = this.#connections.get(destination.connectionId);
      if (!connection) throw new InvalidStateError(`connection ${destination.connectionId} is closed`);
      return connection.write(data);
    }
    const open = this.#connections.find(
      (c) => (c.dialedHost === destination.host || c.socket.remoteAddress === destination.host) && c.socket.remotePort === destination.port,
    );
    const connection = open ?? (await this.#dial(destination.host, destination.port));
    return connection.write(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connections.closeAll();
    this.#server.close();
  }

  #dial(host: string, port: number): Promise<TcpConnection> {
    if (this.#connections.isFull) return Promise.reject(new InvalidStateError('too many connections'));
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const connection = this.#adopt(socket, host);
        if (connection) resolve(connection);
        else {
          socket.destroy();
          reject(new InvalidStateError('too many connections'));
        }
      });
    });
  }

  #adopt(socket: Socket, dialedHost?: string): TcpConnection | undefined {
    const connection = new TcpConnection(`tcp-${this.#nextId++}`, socket, dialedHost);
    if (!this.#connections.add(connection)) return undefined;
    const source = connection.source;
    socket.on('data', (chunk: Buffer) => {
      this.#connections.touch(connection.id);
      try {
        for (const unit of connection.framer.push(chunk)) {
          if (unit.kind === 'ping') socket.write(CRLF);
          else this.safeEmit('message', unit.data, source);
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      this.#connections.remove(connection.id);
      this.safeEmit('connection-closed', connection.id);
    });
    return connection;
  }
}
