import { randomInt } from 'node:crypto';
import { createCodec } from '../audio/codecs/create-codec.ts';
import type { CallAudioPort, Codec, CodecName } from '../audio/contracts.ts';
import { JitterBuffer } from '../audio/jitter-buffer.ts';
import { PcmFrameQueue } from './pcm-frame-queue.ts';
import { buildRtpPacket, isRtcp, parseRtpPacket, randomSsrc } from './rtp-packet.ts';

export interface RtpAudioPathOptions {
  readonly codec: CodecName;
  /** The Router's payload type of the codec (what the camera's producer declared). */
  readonly payloadType: number;
  /** SSRC of the camera's stream to the caller. */
  readonly ssrc: number;
  readonly audio: CallAudioPort;
}

/**
 * One call's audio between RTP and a frame-driven engine, wherever the packets come from:
 * caller RTP -> jitter buffer -> codec -> `audio.pushCallerFrame`, and `audio.pullFrame`
 * -> codec -> the camera's RTP packet, one 20 ms frame per tick.
 */
export class RtpAudioPath {
  readonly #audio: CallAudioPort;
  readonly #codec: Codec;
  readonly #jitterBuffer = new JitterBuffer();
  readonly #frames = new PcmFrameQueue();
  readonly #payloadType: number;
  readonly #ssrc: number;
  // RFC 3550 §5.1: initial sequence number and timestamp are random.
  #sequenceNumber = randomInt(0x10000);
  readonly #timestampBase = randomSsrc();
  /** The ticker's number of the first frame sent; timestamps count frames from it. */
  #firstFrame: number | undefined;
  #heardCaller = false;

  constructor(options: RtpAudioPathOptions) {
    this.#audio = options.audio;
    this.#codec = createCodec(options.codec);
    this.#payloadType = options.payloadType;
    this.#ssrc = options.ssrc;
  }

  get codec(): CodecName {
    return this.#codec.name;
  }

  get jitterStats(): JitterBuffer['stats'] {
    return this.#jitterBuffer.stats;
  }

  /** Takes one caller datagram; false when it is not RTP (RTCP, garbage: nothing to count as caller audio). */
  receive(datagram: Buffer): boolean {
    if (isRtcp(datagram)) return false;
    const packet = parseRtpPacket(datagram);
    if (!packet) return false;
    this.#jitterBuffer.push(packet.sequenceNumber, packet.timestamp, packet.payload);
    return true;
  }

  /** Runs one 20 ms frame through the engine; returns the RTP packet the caller should get. */
  tick(frame: number): Buffer {
    this.#audio.pushCallerFrame(this.#nextCallerFrame());
    return this.#cameraPacket(this.#audio.pullFrame(), frame);
  }

  close(): void {
    this.#codec.close();
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

  #cameraPacket(pcm: Int16Array, frame: number): Buffer {
    const payload = this.#codec.encode(pcm);
    // RFC 3551 §4.1: the marker bit flags the first packet of a talkspurt.
    const first = this.#firstFrame === undefined;
    this.#firstFrame ??= frame;
    // Frames the ticker skipped after a stall leave a timestamp gap, as silence would.
    const timestamp = (this.#timestampBase + (frame - this.#firstFrame) * this.#codec.samplesPerFrame) >>> 0;
    const packet = buildRtpPacket({ marker: first, payloadType: this.#payloadType, sequenceNumber: this.#sequenceNumber, timestamp, ssrc: this.#ssrc }, payload);
    this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
    return packet;
  }
}
