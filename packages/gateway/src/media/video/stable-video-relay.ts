import type { types as ms } from 'mediasoup';
import type { Logger } from '../../core/logger.ts';
import { randomSsrc, rewriteRtpHeader } from '../rtp-packet.ts';
import type { SourceCodec } from '../sdp/video-offer.ts';

/** 90 kHz ticks put between the last packet of one run and the first of the next (one frame at 15 fps). */
const RESTART_TIMESTAMP_GAP = 6000;

/**
 * One producer whose SSRC, sequence numbers and timestamps run on across source restarts:
 * a browser call was answered with one a=ssrc, and a new ffmpeg run makes a new Producer
 * with a new SSRC the browser would drop. Each run's Producer is consumed on a
 * DirectTransport and its packets are renumbered into this relay's Producer (about 100
 * packets/s per camera at 700 kbit/s, one Buffer rewrite each); key-frame requests from
 * the relay's consumers go back to the current run.
 */
export class StableVideoRelay {
  readonly #router: ms.Router;
  readonly #transport: ms.DirectTransport;
  readonly #producer: ms.Producer;
  readonly #logger: Logger;
  readonly #callId: string;
  readonly #ssrc: number;
  readonly #payloadType: number;
  #input: ms.Consumer | undefined;
  #inSsrc: number | undefined;
  #sequenceOffset = 0;
  #timestampOffset = 0;
  #lastSequence = 0;
  #lastTimestamp = 0;
  #closed = false;

  private constructor(router: ms.Router, transport: ms.DirectTransport, producer: ms.Producer, ssrc: number, logger: Logger, callId: string) {
    this.#router = router;
    this.#ssrc = ssrc;
    this.#payloadType = producer.rtpParameters.codecs[0]!.payloadType;
    this.#transport = transport;
    this.#producer = producer;
    this.#logger = logger;
    this.#callId = callId;
    void producer.enableTraceEvent(['pli', 'fir']).catch(() => undefined);
    producer.on('trace', (trace) => {
      if (trace.type === 'pli' || trace.type === 'fir') void this.#input?.requestKeyFrame().catch(() => undefined);
    });
  }

  /** A relay announcing `codec` (a Router codec of the source's kind: H.264 of any profile goes out as it is). */
  static async create(router: ms.Router, codec: SourceCodec, logger: Logger, callId: string): Promise<StableVideoRelay> {
    const transport = await router.createDirectTransport();
    try {
      const ssrc = randomSsrc();
      const producer = await transport.produce({
        kind: 'video',
        rtpParameters: {
          codecs: [
            {
              mimeType: codec.mimeType, payloadType: codec.payloadType, clockRate: 90000, parameters: codec.parameters ?? {},
              rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
            },
          ],
          encodings: [{ ssrc }],
          rtcp: { cname: 'camgate-camera', reducedSize: true },
        },
      });
      return new StableVideoRelay(router, transport, producer, ssrc, logger, callId);
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** What consumers consume: the same Producer for the whole call. */
  get producer(): ms.Producer {
    return this.#producer;
  }

  /** Whether a run's Producer sends what this relay carries (a restarted camera could switch H.264 for VP8). */
  carries(source: ms.Producer): boolean {
    return source.consumableRtpParameters.codecs[0]!.mimeType.toLowerCase() === this.#producer.rtpParameters.codecs[0]!.mimeType.toLowerCase();
  }

  /** Feeds the relay from a (new) run of the source. */
  async follow(source: ms.Producer): Promise<void> {
    if (this.#closed || this.#input?.producerId === source.id) return;
    const input = await this.#transport.consume({ producerId: source.id, rtpCapabilities: this.#router.rtpCapabilities });
    this.#input?.close();
    this.#input = input;
    input.on('rtp', (packet) => this.#relay(packet));
    await input.requestKeyFrame().catch(() => undefined);
    this.#logger.info({ callId: this.#callId, producerId: source.id }, 'call video follows the source');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
  }

  #relay(packet: Buffer): void {
    if (this.#closed || packet.length < 12) return;
    const ssrc = packet.readUInt32BE(8);
    const sequenceNumber = packet.readUInt16BE(2);
    const timestamp = packet.readUInt32BE(4);
    if (ssrc !== this.#inSsrc) {
      if (this.#inSsrc !== undefined) {
        // A new run continues the numbering where the last one stopped.
        this.#sequenceOffset = this.#lastSequence + 1 - sequenceNumber;
        this.#timestampOffset = this.#lastTimestamp + RESTART_TIMESTAMP_GAP - timestamp;
      }
      this.#inSsrc = ssrc;
    }
    const outSequence = (sequenceNumber + this.#sequenceOffset) & 0xffff;
    const outTimestamp = (timestamp + this.#timestampOffset) >>> 0;
    this.#lastSequence = outSequence;
    this.#lastTimestamp = outTimestamp;
    rewriteRtpHeader(packet, outSequence, outTimestamp, this.#ssrc);
    packet[1] = (packet[1]! & 0x80) | this.#payloadType; // the source's number for its profile -> the relay's
    this.#producer.send(packet);
  }
}
