import type { types as ms } from 'mediasoup';
import type { RtpAudioEngine } from '../audio/contracts.ts';
import type { Logger } from '../core/logger.ts';
import { openCameraStreams } from './camera-audio-link.ts';
import type { NegotiatedCodec } from './sdp/negotiated-codec.ts';

/** The PlainTransport and the engine's socket talk over loopback only. */
const LOOPBACK = '127.0.0.1';

export interface ThreadAudioLinkOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly router: ms.Router;
  readonly callerProducer: ms.Producer;
  readonly codec: NegotiatedCodec;
  readonly audio: RtpAudioEngine;
  /** Called when caller audio reaches the engine (at most about once a second; feeds the inactivity timer). */
  readonly onCallerPacket: () => void;
}

/**
 * One call's camera side for an engine in an audio thread: a PlainTransport of its own on
 * loopback, consuming the caller's audio and producing the camera's, whose RTP the engine's
 * socket exchanges directly. No packet and no frame of the call passes the main thread.
 */
export class ThreadAudioLink {
  readonly callId: string;
  readonly producer: ms.Producer;
  readonly #transport: ms.PlainTransport;
  readonly #audio: RtpAudioEngine;
  readonly #logger: Logger;
  #closed = false;

  private constructor(options: ThreadAudioLinkOptions, transport: ms.PlainTransport, consumer: ms.Consumer, producer: ms.Producer) {
    this.callId = options.callId;
    this.producer = producer;
    this.#transport = transport;
    this.#audio = options.audio;
    this.#logger = options.logger;
    // The leg's producer closing (codec change, leg closed) ends this link too.
    consumer.on('producerclose', () => this.close());
    transport.on('routerclose', () => this.close());
  }

  static async create(options: ThreadAudioLinkOptions): Promise<ThreadAudioLink> {
    const transport = await options.router.createPlainTransport({ listenIp: LOOPBACK, rtcpMux: true, comedia: false, appData: { callId: options.callId } });
    try {
      const streams = await openCameraStreams(transport, options);
      const port = await options.audio.connectRtp(
        { codec: options.codec.name, payloadType: streams.payloadType, ssrc: streams.ssrc, mediasoupPort: transport.tuple.localPort },
        options.onCallerPacket,
      );
      await transport.connect({ ip: LOOPBACK, port });
      return new ThreadAudioLink(options, transport, streams.consumer, streams.producer);
    } catch (error) {
      transport.close();
      options.audio.disconnectRtp();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
    this.#audio.disconnectRtp();
    this.#logger.debug({ callId: this.callId }, 'thread audio link closed');
  }
}
