import type { CodecName } from '../../audio/contracts.ts';
import type { OfferedFormat } from './audio-offer.ts';

/** The audio codec both sides agreed on, with the offerer's payload type. */
export interface NegotiatedCodec {
  readonly name: CodecName;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  /** The matching a=fmtp parameters as offered (e.g. Opus useinbandfec). */
  readonly fmtp: string | undefined;
}

/** What each codec name must look like in a=rtpmap to be the codec the engine implements. */
const CODEC_SHAPES: Readonly<Record<CodecName, { clockRate: number; channels: number }>> = {
  opus: { clockRate: 48000, channels: 2 },
  PCMU: { clockRate: 8000, channels: 1 },
  PCMA: { clockRate: 8000, channels: 1 },
};

function codecOf(format: OfferedFormat): CodecName | undefined {
  const name = (Object.keys(CODEC_SHAPES) as CodecName[]).find((n) => n.toLowerCase() === format.encoding.toLowerCase());
  if (!name) return undefined;
  const shape = CODEC_SHAPES[name];
  // RFC 7587 §7: Opus is always signalled as opus/48000/2, whatever it carries.
  return format.clockRate === shape.clockRate && format.channels === shape.channels ? name : undefined;
}

/**
 * The first offered format whose codec is in `supported`, earlier in `supported` winning:
 * among codecs of equal rank the offerer's order decides (RFC 3264 §6.1 lets the answerer
 * pick; the offerer listed its preference first).
 */
export function chooseCodec(
  formats: readonly OfferedFormat[],
  supported: readonly (readonly CodecName[])[],
  eligible: (name: CodecName, format: OfferedFormat) => boolean = () => true,
): NegotiatedCodec | undefined {
  for (const rank of supported) {
    const format = formats.find((f) => {
      const name = codecOf(f);
      return name !== undefined && rank.includes(name) && eligible(name, f);
    });
    if (format) {
      return { name: codecOf(format)!, payloadType: format.payloadType, clockRate: format.clockRate, channels: format.channels, fmtp: format.fmtp };
    }
  }
  return undefined;
}

/**
 * For a re-offer: the current codec while the offer still lists it with the same payload
 * type (no needless switch mid-call, RFC 3264 §8.3.2), else a fresh choice.
 */
export function keepOrChooseCodec(
  formats: readonly OfferedFormat[],
  current: NegotiatedCodec,
  supported: readonly (readonly CodecName[])[],
  eligible?: (name: CodecName, format: OfferedFormat) => boolean,
): NegotiatedCodec | undefined {
  const stillOffered = formats.some((f) => f.payloadType === current.payloadType && codecOf(f) === current.name);
  return stillOffered ? current : chooseCodec(formats, supported, eligible);
}

export function sameCodec(a: NegotiatedCodec, b: NegotiatedCodec): boolean {
  return a.name === b.name && a.payloadType === b.payloadType;
}
