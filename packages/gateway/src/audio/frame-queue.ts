import { FRAME_SAMPLES } from './contracts.ts';

/**
 * Re-cuts audio of any length into 20 ms engine frames: an Opus packet may decode to
 * 40 or 60 ms, a G.711 phone may send 30 ms payloads, but the engine eats 160 samples.
 */
export class FrameQueue {
  #buffer = new Int16Array(FRAME_SAMPLES * 8);
  #length = 0;

  /** Buffered samples. */
  get length(): number {
    return this.#length;
  }

  push(samples: Int16Array): void {
    if (this.#length + samples.length > this.#buffer.length) {
      const grown = new Int16Array(Math.max(this.#buffer.length * 2, this.#length + samples.length));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(samples, this.#length);
    this.#length += samples.length;
  }

  /** The next whole frame, or undefined if less than 20 ms is buffered. */
  shift(): Int16Array | undefined {
    if (this.#length < FRAME_SAMPLES) return undefined;
    const frame = this.#buffer.slice(0, FRAME_SAMPLES);
    this.#buffer.copyWithin(0, FRAME_SAMPLES, this.#length);
    this.#length -= FRAME_SAMPLES;
    return frame;
  }

  clear(): void {
    this.#length = 0;
  }
}
