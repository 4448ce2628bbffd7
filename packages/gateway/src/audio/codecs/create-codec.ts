import { UnsupportedError } from '../../core/errors.ts';
import type { Codec, CodecName } from '../contracts.ts';
import { G711Codec } from './g711-codec.ts';
import { OpusCodec } from './opus-codec.ts';

/** One codec instance per stream direction pair of one call (Opus keeps state). */
export function createCodec(name: CodecName): Codec {
  switch (name) {
    case 'PCMU':
    case 'PCMA':
      return new G711Codec(name);
    case 'opus':
      return new OpusCodec();
    default:
      throw new UnsupportedError(`codec ${String(name)} is not supported`);
  }
}
