/** SIP over UDP (RFC 3261 18): one datagram, one message. Unreliable, so transactions retransmit. */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { isConnectionDestination, type Destination, type Transport, type TransportEvents } from './transport.ts';

export interface UdpListenOptions {
  /** Address to bind; `0.0.0.0` by default, an IPv6 address for an IPv6 socket. */
  host?: string;
  /** 0 binds an ephemeral port (see `port`). */
  port: number;
  logger?: Logger;
}

export class UdpTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly #socket: Socket;
  #closed = false;

  private constructor(socket: Socket, logger: Logger | undefined) {
    super({ logger });
    this.#socket = socket;
    const local = socket.address();
    socket.on('message', (data, remote) => {
      this.safeEmit('message', data, {
        protocol: 'udp',
        remoteAddress: remote.address,
        remotePort: remote.port,
        localAddress: local.address,
        localPort: local.port,
      });
    });
    // A send error (ICMP unreachable on some systems) must not kill the process.
    socket.on('error', () => undefined);
  }

  static listen(options: UdpListenOptions): Promise<UdpTransport> {
    const host = options.host ?? '0.0.0.0';
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, host, () => {
        socket.off('error', reject);
        resolve(new UdpTransport(socket, options.logger));
      });
    });
  }

  get address(): { address: string; port: number } {
    return this.#socket.address();
  }

  send(data: Buffer, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidStateError('UDP transport closed'));
    if (isConnectionDestination(destination)) return Promise.reject(new InvalidStateError('UDP has no connections'));
    return new Promise((resolve, reject) => {
      this.#socket.send(data, destination.port, destination.host, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}
