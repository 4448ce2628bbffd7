import type { types as ms } from 'mediasoup';
import type { CallAudioPort } from '../audio/contracts.ts';
import type { Logger } from '../core/logger.ts';
import type { FrameTicker } from './frame-ticker.ts';
import { ROUTER_PAYLOAD_TYPES } from './router-codecs.ts';
import { RtpAudioPath } from './rtp-audio-path.ts';
import { randomSsrc } from './rtp-packet.ts';
import type { NegotiatedCodec } from './sdp/negotiated-codec.ts';

export interface CameraAudioLinkOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly transport: ms.DirectTransport;
  readonly ticker: FrameTicker;
  /** The caller's audio inside mediasoup (from the call's leg). */
  readonly callerProducer: ms.Producer;
  readonly codec: NegotiatedCodec;
  readonly audio: CallAudioPort;
  /** Called for every caller packet that reaches the camera (feeds the inactivity timer). */
  readonly onCallerPacket: () => void;
}

/**
 * One call's two audio streams between mediasoup and an audio engine in this thread, on
 * the camera's DirectTransport. Caller -> camera: the consumer's RTP goes through the
 * RtpAudioPath into `audio.pushCallerFrame`, one 20 ms frame per tick of the shared clock.
 * Camera -> caller: each tick `audio.pullFrame()` is encoded and sent by `producer`, which
 * the call's leg consumes towards the caller. (Engines in audio threads link through
 * ThreadAudioLink instead.)
 */
export class CameraAudioLink {
  readonly callId: string;
  readonly producer: ms.Producer;
  readonly #consumer: ms.Consumer;
  readonly #logger: Logger;
  readonly #path: RtpAudioPath;
  readonly #removeTick: () => void;
  readonly #onCallerPacket: () => void;
  #closed = false;

  private constructor(options: CameraAudioLinkOptions, producer: ms.Producer, consumer: ms.Consumer, payloadType: number, ssrc: number) {
    this.callId = options.callId;
    this.producer = producer;
    this.#consumer = consumer;
    this.#logger = options.logger;
    this.#onCallerPacket = options.onCallerPacket;
    this.#path = new RtpAudioPath({ codec: options.codec.name, payloadType, ssrc, audio: options.audio });
    consumer.on('rtp', (packet) => {
      if (this.#path.receive(packet)) this.#onCallerPacket();
    });
    // The leg's producer closing (codec change, leg closed) ends this link too.
    consumer.on('producerclose', () => this.close());
    consumer.on('transportclose', () => this.close());
    producer.on('transportclose', () => this.close());
    this.#removeTick = options.ticker.add((frame) => this.producer.send(this.#path.tick(frame)), { callId: options.callId });
  }

  static async create(options: CameraAudioLinkOptions): Promise<CameraAudioLink> {
    const streams = await openCameraStreams(options.transport, options);
    return new CameraAudioLink(options, streams.producer, streams.consumer, streams.payloadType, streams.ssrc);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeTick();
    this.#consumer.close();
    this.producer.close();
    this.#path.close();
    this.#logger.debug({ callId: this.callId, jitter: this.#path.jitterStats }, 'camera audio link closed');
  }
}

/** A call's two streams on a camera-side transport: the caller's audio consumed, the camera's produced. */
export interface CameraStreams {
  readonly consumer: ms.Consumer;
  readonly producer: ms.Producer;
  /** The Router's payload type of the codec, in both streams. */
  readonly payloadType: number;
  /** SSRC of the camera's stream. */
  readonly ssrc: number;
}

/** Consumes the caller's producer and produces the camera's stream for one call on `transport`. */
export async function openCameraStreams(
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
