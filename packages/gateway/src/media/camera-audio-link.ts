import { randomInt } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import { createCodec } from '../audio/codecs/create-codec.ts';
import type { CallAudioPort, Codec } from '../audio/contracts.ts';
import { JitterBuffer } from '../audio/jitter-buffer.ts';
import type { Logger } from '../core/logger.ts';
import type { FrameTicker } from './frame-ticker.ts';
import { PcmFrameQueue } from './pcm-frame-queue.ts';
import { ROUTER_PAYLOAD_TYPES } from './router-codecs.ts';
import { buildRtpPacket, parseRtpPacket, randomSsrc } from './rtp-packet.ts';
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
 * One call's two audio streams between mediasoup and the camera's audio engine, on the
 * camera's DirectTransport. Caller -> camera: the consumer's RTP goes through a jitter
 * buffer and the codec into `audio.pushCallerFrame`, one 20 ms frame per tick.
 * Camera -> caller: each tick `audio.pullFrame()` is encoded in the caller's codec and
 * sent by `producer`, which the call's leg consumes towards the caller.
 */
export class CameraAudioLink {
  readonly callId: string;
  readonly producer: ms.Producer;
  readonly #consumer: ms.Consumer;
  readonly #logger: Logger;
  readonly #audio: CallAudioPort;
  readonly #codec: Codec;
  readonly #jitterBuffer = new JitterBuffer();
  readonly #frames = new PcmFrameQueue();
  readonly #removeTick: () => void;
  readonly #onCallerPacket: () => void;
  readonly #payloadType: number;
  readonly #ssrc: number;
  // RFC 3550 §5.1: initial sequence number and timestamp are random.
  #sequenceNumber = randomInt(0x10000);
  readonly #timestampBase = randomSsrc();
  /** The ticker's number of the first frame sent; timestamps count frames from it. */
  #firstFrame: number | undefined;
  #heardCaller = false;
  #closed = false;

  private constructor(options: CameraAudioLinkOptions, producer: ms.Producer, consumer: ms.Consumer, payloadType: number, ssrc: number) {
    this.callId = options.callId;
    this.producer = producer;
    this.#consumer = consumer;
    this.#logger = options.logger;
    this.#audio = options.audio;
    this.#onCallerPacket = options.onCallerPacket;
    this.#payloadType = payloadType;
    this.#ssrc = ssrc;
    this.#codec = createCodec(options.codec.name);
    consumer.on('rtp', (packet) => this.#onRtp(packet));
    // The leg's producer closing (codec change, leg closed) ends this link too.
    consumer.on('producerclose', () => this.close());
    consumer.on('transportclose', () => this.close());
    producer.on('transportclose', () => this.close());
    this.#removeTick = options.ticker.add((frame) => this.#tick(frame), { callId: options.callId });
  }

  static async create(options: CameraAudioLinkOptions): Promise<CameraAudioLink> {
    const { transport, codec, callerProducer } = options;
    const payloadType = ROUTER_PAYLOAD_TYPES[codec.name];
    const mimeType = `audio/${codec.name}`;
    const consumer = await transport.consume({
      producerId: callerProducer.id,
      // Only the codec: no header extensions, so packets reach Node as plain RTP.
      rtpCapabilities: { codecs: [{ kind: 'audio', mimeType, clockRate: codec.clockRate, channels: codec.channels, preferredPayloadType: payloadType }] },
    });
    const ssrc = randomSsrc();
    let producer: ms.Producer;
    try {
      producer = await transport.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [{ mimeType, payloadType, clockRate: codec.clockRate, channels: codec.channels, rtcpFeedback: [] }],
          encodings: [{ ssrc }],
          rtcp: { cname: `camera-${options.callId.slice(0, 16)}`, reducedSize: true },
        },
        appData: { callId: options.callId },
      });
    } catch (error) {
      consumer.close();
      throw error;
    }
    return new CameraAudioLink(options, producer, consumer, payloadType, ssrc);
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
    this.#codec.close();
    this.#logger.debug({ callId: this.callId, jitter: this.#jitterBuffer.stats }, 'camera audio link closed');
  }

  #onRtp(datagram: Buffer): void {
    const packet = parseRtpPacket(datagram);
    if (!packet) return;
    this.#jitterBuffer.push(packet.sequenceNumber, packet.timestamp, packet.payload);
    this.#onCallerPacket();
  }

  #tick(frame: number): void {
    this.#audio.pushCallerFrame(this.#nextCallerFrame());
    this.#sendCameraFrame(this.#audio.pullFrame(), frame);
  }

  #nextCallerFrame(): Int16Array {
    if (!this.#frames.hasFrame) {
      const next = this.#jitterBuffer.pop();
      if (next.kind === 'frame') {
        this.#heardCaller = true;
        this.#frames.push(this.#codec.decode(next.payload));
      } else if (this.#heardCaller) {
        // Lost packet, or the caller fell silent/behind: let the codec conceal.
        this.#frames.push(this.#codec.conceal());
      }
    }
    return this.#frames.shift();
  }

  #sendCameraFrame(pcm: Int16Array, frame: number): void {
    const payload = this.#codec.encode(pcm);
    // RFC 3551 §4.1: the marker bit flags the first packet of a talkspurt.
    const first = this.#firstFrame === undefined;
    this.#firstFrame ??= frame;
    // Frames the ticker skipped after a stall leave a timestamp gap, as silence would.
    const timestamp = (this.#timestampBase + (frame - this.#firstFrame) * this.#codec.samplesPerFrame) >>> 0;
    const packet = buildRtpPacket({ marker: first, payloadType: this.#payloadType, sequenceNumber: this.#sequenceNumber, timestamp, ssrc: this.#ssrc }, payload);
    this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
    this.producer.send(packet);
  }
}
