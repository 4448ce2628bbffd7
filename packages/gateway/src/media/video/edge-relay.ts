import type { RemoteInfo, Socket } from 'node:dgram';
import type { Logger } from '../../core/logger.ts';
import type { RtpEdge } from '../rtp-edge.ts';
import { isRtcp } from '../rtp-packet.ts';
import { bindUdp } from '../rtp-port-range.ts';

const LOOPBACK = '127.0.0.1';

/**
 * The loopback hop between a phone's RtpEdge and a mediasoup PlainTransport (a SIP video
 * phone's stream): what the edge accepts from the phone (its RTCP: key-frame requests) goes
 * to mediasoup, and what mediasoup sends (the video, sender reports) goes out through the
 * edge, under its strict-RTP rules. Only packets from the transport's own address count.
 */
export class EdgeRelay {
  readonly #socket: Socket;
  readonly #edge: RtpEdge;
  #mediasoup: { address: string; port: number } | undefined;

  private constructor(socket: Socket, edge: RtpEdge, logger: Logger, callId: string) {
    this.#socket = socket;
    this.#edge = edge;
    socket.on('error', (error) => logger.debug({ callId, err: error }, 'edge relay socket error'));
    socket.on('message', (datagram, from) => this.#fromMediasoup(datagram, from));
    const toMediasoup = (datagram: Buffer): void => {
      const target = this.#mediasoup;
      if (target) socket.send(datagram, target.port, target.address);
    };
    edge.onMedia = toMediasoup;
    edge.onRtcp = toMediasoup;
  }

  static async open(edge: RtpEdge, logger: Logger, callId: string): Promise<EdgeRelay> {
    const socket = await bindUdp(LOOPBACK, 0);
    if (!socket) throw new Error('cannot bind a loopback UDP socket');
    return new EdgeRelay(socket, edge, logger, callId);
  }

  /** The loopback port the PlainTransport sends to. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** The PlainTransport's own address (its tuple's local side). */
  connect(address: string, port: number): void {
    this.#mediasoup = { address, port };
  }

  close(): void {
    this.#socket.close();
  }

  #fromMediasoup(datagram: Buffer, from: RemoteInfo): void {
    const mediasoup = this.#mediasoup;
    if (!mediasoup || from.port !== mediasoup.port || from.address !== mediasoup.address) return;
    if (isRtcp(datagram)) this.#edge.sendRtcp(datagram);
    else this.#edge.sendMedia(datagram);
  }
}
