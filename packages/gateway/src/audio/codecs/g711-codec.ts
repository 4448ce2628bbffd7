import type { Codec, CodecName } from '../contracts.ts';
import { ENGINE_RATE, FRAME_SAMPLES } from '../contracts.ts';
import { FadeOutConcealer } from './fade-out-concealer.ts';
import { type G711Law, g711Decode, g711Encode } from './g711.ts';

/** PCMU (mu-law) or PCMA (A-law): one byte per sample at the engine rate, RFC 3551 §4.5.14. */
export class G711Codec implements Codec {
  readonly clockRate = ENGINE_RATE;
  readonly samplesPerFrame = FRAME_SAMPLES;
  readonly #law: G711Law;
  readonly #concealer = new FadeOutConcealer();

  constructor(readonly name: Extract<CodecName, 'PCMU' | 'PCMA'>) {
    this.#law = name === 'PCMU' ? 'mulaw' : 'alaw';
  }

  encode(frame: Int16Array): Buffer {
    return g711Encode(this.#law, frame);
  }

  /** Any payload length works (ptime 10, 20, 30 ms...): one sample per byte. */
  decode(payload: Buffer): Int16Array {
    const samples = g711Decode(this.#law, payload);
    if (samples.length > 0) this.#concealer.remember(samples);
    return samples;
  }

  conceal(): Int16Array {
    return this.#concealer.conceal();
  }

  close(): void {
    // Stateless apart from the concealment history; nothing to release.
  }
}
