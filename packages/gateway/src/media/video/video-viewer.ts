import type { types as ms } from 'mediasoup';
import type { VideoConsumerInfo, VideoTransportInfo } from '@camgate/protocol';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';

export interface VideoViewerOptions {
  readonly viewerId: string;
  readonly router: ms.Router;
  /** Address the WebRtcTransport binds (0.0.0.0 for all interfaces). */
  readonly listenIp: string;
  /** Address in the ICE candidate; required when listenIp is 0.0.0.0. */
  readonly announcedIp: string | undefined;
  readonly logger: Logger;
}

export type VideoViewerEvents = {
  /** The transport is gone (its Router closed, DTLS failed): the viewer must join again. */
  ended: [reason: string];
};

/**
 * One browser watching the camera: a receive-only ICE-lite WebRtcTransport on the
 * camera's Router and, while the video runs, one Consumer of the video Producer. A new
 * Producer (the source restarted) gets a new Consumer on the same transport.
 */
export class VideoViewer extends TypedEmitter<VideoViewerEvents> {
  readonly #transport: ms.WebRtcTransport;
  readonly #o: VideoViewerOptions;
  #consumer: ms.Consumer | undefined;
  #closed = false;

  private constructor(options: VideoViewerOptions, transport: ms.WebRtcTransport) {
    super();
    this.#o = options;
    this.#transport = transport;
    transport.on('routerclose', () => this.#end('media worker restarted'));
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') this.#end(`dtls ${state}`);
    });
  }

  static async create(options: VideoViewerOptions): Promise<VideoViewer> {
    const transport = await options.router.createWebRtcTransport({
      listenIps: [{ ip: options.listenIp, ...(options.announcedIp ? { announcedIp: options.announcedIp } : {}) }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      appData: { viewerId: options.viewerId },
    });
    return new VideoViewer(options, transport);
  }

  get router(): ms.Router {
    return this.#o.router;
  }

  get transportInfo(): VideoTransportInfo {
    const t = this.#transport;
    return {
      id: t.id,
      iceParameters: t.iceParameters,
      iceCandidates: t.iceCandidates.map((c) => ({
        foundation: c.foundation, priority: c.priority, ip: c.ip, protocol: c.protocol, port: c.port, type: 'host',
        ...(c.tcpType ? { tcpType: 'passive' as const } : {}),
      })),
      dtlsParameters: t.dtlsParameters,
    };
  }

  async connect(dtlsParameters: ms.DtlsParameters): Promise<void> {
    await this.#transport.connect({ dtlsParameters });
  }

  /** A paused Consumer of `producer` (replacing the previous one); resume() starts it. */
  async consume(producer: ms.Producer, rtpCapabilities: ms.RtpCapabilities): Promise<VideoConsumerInfo> {
    if (this.#closed) throw new InvalidStateError('viewer is closed');
    if (!this.#o.router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      throw new InvalidStateError(`this browser cannot decode the camera's ${producer.rtpParameters.codecs[0]?.mimeType ?? 'video'}`);
    }
    this.#consumer?.close();
    const consumer = await this.#transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    this.#consumer = consumer;
    consumer.on('producerclose', () => {
      if (this.#consumer === consumer) this.#consumer = undefined;
    });
    return { id: consumer.id, producerId: producer.id, kind: 'video', rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown> };
  }

  /** Starts the Consumer; resuming sends the source a key-frame request (PLI), so the first picture comes fast. */
  async resume(): Promise<void> {
    const consumer = this.#consumer;
    if (!consumer) throw new InvalidStateError('nothing to resume: consume first');
    await consumer.resume();
    await consumer.requestKeyFrame();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#consumer?.close();
    this.#transport.close();
    this.removeAllListeners();
  }

  #end(reason: string): void {
    if (this.#closed) return;
    this.#o.logger.info({ viewerId: this.#o.viewerId, reason }, 'video viewer ended');
    this.safeEmit('ended', reason);
    this.close();
  }
}
