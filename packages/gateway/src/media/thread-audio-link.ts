import type { types as ms } from 'mediasoup';
import type { Logger } from '../core/logger.ts';
import type { RtpAudioEngine } from './rtp-audio-engine.ts';
import { ROUTER_PAYLOAD_TYPES } from './router-codecs.ts';
import { randomSsrc } from './rtp-packet.ts';
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
 * A browser call's link to its engine in an audio thread: a PlainTransport of its own on
 * loopback, consuming the caller's audio and producing the camera's, whose RTP the engine's
 * socket exchanges directly. No packet and no frame of the call passes the main thread.
 * (SIP phones need no link: their engine talks to the phone itself, see SipLeg.)
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
        (event) => {
          if (event.type === 'caller-audio') options.onCallerPacket();
        },
      );
      await transport.connect({ ip: LOOPBACK, port });
      return new ThreadAudioLink(options, transport, streams.consumer, streams.producer);
    } catch (error) {
      transport.close();
      options.audio.disconnectRtp();
      throw error;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
    this.#audio.disconnectRtp();
    this.#logger.debug({ callId: this.callId }, 'thread audio link closed');
  }
}

/** A call's two streams on a camera-side transport: the caller's audio consumed, the camera's produced. */
interface CameraStreams {
  readonly consumer: ms.Consumer;
  readonly producer: ms.Producer;
  /** The Router's payload type of the codec, in both streams. */
  readonly payloadType: number;
  /** SSRC of the camera's stream. */
  readonly ssrc: number;
}

/** Consumes the caller's producer and produces the camera's stream for one call on `transport`. */
async function openCameraStreams(
  transport: ms.Transport,
  options: { readonly callId: string; readonly callerProducer: ms.Producer; readonly codec: NegotiatedCodec },
): Promise<CameraStreams> {
  const { codec, callerProducer } = options;
  const payloadType = ROUTER_PAYLOAD_TYPES[codec.name];
  const mimeType = `audio/${codec.name}`;
  const consumer = await transport.consume({
    producerId: callerProducer.id,
    // Only the codec: no header extensions, so packets reach the engine as plain RTP.
    rtpCapabilities: { codecs: [{ kind: 'audio', mimeType, clockRate: codec.clockRate, channels: codec.channels, preferredPayloadType: payloadType }] },
  });
  const ssrc = randomSsrc();
  try {
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType, payloadType, clockRate: codec.clockRate, channels: codec.channels, rtcpFeedback: [] }],
        encodings: [{ ssrc }],
        rtcp: { cname: `camera-${options.callId.slice(0, 16)}`, reducedSize: true },
      },
      appData: { callId: options.callId },
    });
    return { consumer, producer, payloadType, ssrc };
  } catch (error) {
    consumer.close();
    throw error;
  }
}
