/**
 * SIP over TCP (RFC 3261 18.3): a listening server plus outbound connections opened on
 * demand for requests we originate; responses go back over the connection a request came
 * on, never over a new one. Streams are framed by Content-Length. Bounded per connection:
 * a message must arrive within the message deadline, a peer that does not read our
 * responses (write buffer over `maxWriteBufferBytes`) is cut off, a connection that loses
 * framing is answered 400 where possible and closed; see ConnectionRegistry for the caps
 * on the number of connections.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { ConnectionRegistry, type Connection, type ConnectionLimits } from './connection-registry.ts';
import { StreamFramer } from './stream-framer.ts';
import { isConnectionDestination, unmappedAddress, type Destination, type MessageSource, type Transport, type TransportEvents } from './transport.ts';

export interface TcpListenOptions extends ConnectionLimits {
  host?: string;
  port: number;
  clock: Clock;
  logger: Logger;
  /** Bytes queued for a peer that does not read, beyond which its connection is closed. */
  maxWriteBufferBytes: number;
}

const CRLF = Buffer.from('\r\n');

class TcpConnection implements Connection {
  readonly framer = new StreamFramer();
  readonly remoteAddress: string;
  readonly source: MessageSource;

  constructor(
    readonly id: string,
    readonly socket: Socket,
    readonly maxWriteBufferBytes: number,
    /** The host a client connection was opened to (may be a name), for reuse. */
    readonly dialedHost?: string,
  ) {
    this.remoteAddress = unmappedAddress(socket.remoteAddress ?? '');
    this.source = {
      protocol: 'tcp',
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      connectionId: id,
    };
  }

  /** Queues `data`; a peer that let more than `maxWriteBufferBytes` pile up is cut off instead. */
  write(data: Buffer): Promise<void> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.reject(new InvalidStateError(`connection ${this.id} is closed`));
    if (this.socket.writableLength + data.length > this.maxWriteBufferBytes) {
      this.socket.destroy();
      return Promise.reject(new InvalidStateError(`connection ${this.id}: peer does not read (over ${this.maxWriteBufferBytes} bytes queued), closed`));
    }
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
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #options: TcpListenOptions;
  readonly #connections: ConnectionRegistry<TcpConnection>;
  #nextId = 1;
  #closed = false;

  private constructor(server: Server, options: TcpListenOptions) {
    super({ logger: options.logger });
    this.#server = server;
    this.#clock = options.clock;
    this.#log = options.logger;
    this.#options = options;
    this.#connections = new ConnectionRegistry(options.clock, options, (c, reason) =>
      this.#log.info({ remoteAddress: c.source.remoteAddress, remotePort: c.source.remotePort, reason }, 'TCP connection closed'),
    );
    server.on('connection', (socket) => this.#accept(socket));
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

  /** Over an open connection, or to an address (requests only: reuses or opens a connection). */
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

  #accept(socket: Socket): void {
    const refusal = this.#closed ? 'closed' : this.#connections.refusal(unmappedAddress(socket.remoteAddress ?? ''));
    if (refusal) {
      this.#log.debug({ remoteAddress: socket.remoteAddress, reason: refusal }, 'TCP connection refused');
      socket.destroy();
      return;
    }
    const connection = this.#adopt(socket);
    // A new connection owes us its first message within the message deadline.
    if (connection) this.#connections.startMessageDeadline(connection.id);
    else socket.destroy();
  }

  #dial(host: string, port: number): Promise<TcpConnection> {
    if (this.#connections.refusal(unmappedAddress(host))) return Promise.reject(new InvalidStateError('too many connections'));
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
    const connection = new TcpConnection(`tcp-${this.#nextId++}`, socket, this.#options.maxWriteBufferBytes, dialedHost);
    if (!this.#connections.add(connection)) return undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#receive(connection, chunk);
      } catch (error) {
        // A bug here must not take the process down: log who sent it and drop the connection.
        this.#log.error({ err: error, remoteAddress: connection.source.remoteAddress, remotePort: connection.source.remotePort }, 'TCP data handling failed');
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

  #receive(connection: TcpConnection, chunk: Buffer): void {
    this.#connections.touch(connection.id);
    for (const unit of connection.framer.push(chunk)) {
      if (unit.kind === 'ping') {
        connection.write(CRLF).catch(() => undefined); // RFC 5626 4.4.1 pong
      } else if (unit.kind === 'message') {
        this.safeEmit('message', unit.data, connection.source);
      } else {
        // Each message framed before the break has been handed up (and answered, where the
        // answer is immediate); the broken one is answered 400 if it can be, then the
        // connection ends once all of that is written.
        this.safeEmit('unframeable', unit.head, unit.error, connection.source);
        this.#endAfterWrites(connection);
        return;
      }
    }
    if (connection.framer.partial) this.#connections.startMessageDeadline(connection.id);
    else this.#connections.clearMessageDeadline(connection.id);
  }

  #endAfterWrites(connection: TcpConnection): void {
    this.#connections.clearMessageDeadline(connection.id);
    const { socket } = connection;
    // Answers the TU gives in a later microtask still make it into the queue; a peer that
    // never reads is cut off after the message deadline.
    const cutOff = this.#clock.setTimeout(() => socket.destroy(), this.#options.messageTimeoutMs);
    socket.once('close', () => this.#clock.clearTimeout(cutOff));
    setImmediate(() => socket.end(() => socket.destroy()));
  }
}
