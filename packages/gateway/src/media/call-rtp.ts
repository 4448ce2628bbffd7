import { createSocket, type Socket } from 'node:dgram';
import type { CallAudioPort } from '../audio/contracts.ts';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import type { Clock } from '../core/clock.ts';
import { InvalidStateError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { FrameTicker } from './frame-ticker.ts';
import { RtpAudioPath } from './rtp-audio-path.ts';
import { RtpEdge } from './rtp-edge.ts';
import { RtpPortBusyError, type CallRtpListener, type PhoneRtpConfig, type PhoneRtpRequest, type RtpAudioConnection } from './rtp-audio-engine.ts';
import { randomSsrc } from './rtp-packet.ts';
import { bindPairAt } from './rtp-port-range.ts';

const LOOPBACK = '127.0.0.1';
/** Caller activity is reported at most this often: it only keeps the call's RTP timeout (seconds) from firing. */
const CALLER_AUDIO_REPORT_MS = 1000;

export interface CallRtpOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The 20 ms clock of the thread the engine runs in. */
  readonly ticker: FrameTicker;
  /** The call's frame engine. */
  readonly audio: CallAudioPort;
}

/** Where the call's packets go and come from: a loopback socket to mediasoup, or the phone's edge. */
interface RtpLink {
  readonly path: RtpAudioPath;
  send(packet: Buffer): void;
  close(): void;
}

/**
 * One call's RTP where its audio engine runs (RtpAudioEngine's other side): every 20 ms a
 * frame of the engine goes out and the caller's audio comes in through an RtpAudioPath
 * (jitter buffer, codec), either with the call's mediasoup PlainTransport over loopback
 * (WebRTC legs) or straight with a SIP phone through an RtpEdge on the phone's own port
 * pair (strict RTP, RFC 4733 read first, RTCP). What the main thread needs to know leaves
 * as events: caller activity at most once a second, keys, the learnt source, SSRC changes.
 */
export class CallRtp {
  readonly #options: CallRtpOptions;
  readonly #ssrc = randomSsrc();
  #link: RtpLink | undefined;
  #edge: RtpEdge | undefined;
  #removeTick: (() => void) | undefined;
  #listener: CallRtpListener = () => undefined;
  #reportedAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: CallRtpOptions) {
    this.#options = options;
  }

  /** WebRTC legs: a loopback socket that exchanges the call's RTP with mediasoup; resolves with its port. */
  async connectMediasoup(connection: RtpAudioConnection, listener: CallRtpListener): Promise<number> {
    this.disconnect();
    const socket = await bindLoopback();
    if (this.#closed) {
      socket.close();
      throw new InvalidStateError(`call ${this.#options.callId} closed while its RTP opened`);
    }
    const path = new RtpAudioPath({ codec: connection.codec, payloadType: connection.payloadType, ssrc: connection.ssrc, audio: this.#options.audio });
    socket.on('error', (error) => this.#options.logger.warn({ callId: this.#options.callId, err: error }, 'engine rtp socket error'));
    socket.on('message', (datagram) => {
      if (path.receive(datagram)) this.#heard();
    });
    this.#start(listener, {
      path,
      send: (packet) => socket.send(packet, connection.mediasoupPort, LOOPBACK),
      close: () => socket.close(),
    });
    return socket.address().port;
  }

  /** SIP legs: binds the phone's port pair (RtpPortBusyError when taken) and serves it with strict RTP. */
  async openPhone(request: PhoneRtpRequest, listener: CallRtpListener): Promise<void> {
    this.disconnect();
    const pair = await bindPairAt(request.listenIp, request.port);
    if (!pair) throw new RtpPortBusyError(`RTP port pair ${request.port} is taken`);
    if (this.#closed) {
      pair.rtp.close();
      pair.rtcp.close();
      throw new InvalidStateError(`call ${this.#options.callId} closed while its RTP opened`);
    }
    const { callId, logger, clock } = this.#options;
    const edge = new RtpEdge({
      callId, logger, clock, pair, silenceLimitMs: request.silenceLimitMs,
      ...(request.signallingAddress !== undefined && { signallingAddress: request.signallingAddress }),
    });
    edge.on('dtmf', (key) => this.#listener({ type: 'dtmf', key }));
    edge.on('source', (address, port, moved) => this.#listener({ type: 'phone-source', address, port, moved }));
    edge.on('ssrc', (ssrc) => this.#listener({ type: 'ssrc-changed', ssrc }));
    edge.onActivity = () => this.#heard();
    this.#edge = edge;
    this.#start(listener, this.#phoneLink(edge, request.config));
    edge.configure(request.config);
  }

  /** A re-offer: new address, direction or codec (the audio path follows the codec). */
  configurePhone(config: PhoneRtpConfig): void {
    const edge = this.#edge;
    const link = this.#link;
    if (!edge || !link) return;
    if (link.path.codec !== config.codec) {
      link.path.close();
      this.#link = this.#phoneLink(edge, config);
    }
    edge.configure(config);
  }

  confirmPhone(): void {
    this.#edge?.confirmPeer();
  }

  sendPhoneDtmf(key: DtmfKey): void {
    this.#edge?.sendDtmf(key);
  }

  /** The call ended: nothing opens any more (an open still binding is undone). */
  close(): void {
    this.#closed = true;
    this.disconnect();
  }

  disconnect(): void {
    this.#removeTick?.();
    this.#removeTick = undefined;
    this.#link?.close();
    this.#link?.path.close();
    this.#link = undefined;
    this.#edge = undefined;
  }

  #start(listener: CallRtpListener, link: RtpLink): void {
    this.#listener = listener;
    this.#reportedAt = Number.NEGATIVE_INFINITY;
    this.#link = link;
    this.#removeTick = this.#options.ticker.add((frame) => {
      const current = this.#link;
      if (current) current.send(current.path.tick(frame));
    }, { callId: this.#options.callId });
  }

  /** The phone's audio through the edge: its packets straight into the path, the path's to the phone. */
  #phoneLink(edge: RtpEdge, config: PhoneRtpConfig): RtpLink {
    const path = new RtpAudioPath({ codec: config.codec, payloadType: config.payloadType, ssrc: this.#ssrc, audio: this.#options.audio });
    edge.onMedia = (datagram) => path.receive(datagram);
    return { path, send: (packet) => edge.sendMedia(packet), close: () => edge.close() };
  }

  #heard(): void {
    const now = this.#options.clock.now();
    if (now - this.#reportedAt < CALLER_AUDIO_REPORT_MS) return;
    this.#reportedAt = now;
    this.#listener({ type: 'caller-audio' });
  }
}

function bindLoopback(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
