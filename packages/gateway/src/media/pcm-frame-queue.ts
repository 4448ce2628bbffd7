import { FRAME_SAMPLES } from '../audio/contracts.ts';

/**
 * Cuts decoded audio of any packet duration (10-60 ms G.711 ptime, multi-frame Opus)
 * into the engine's 20 ms frames. Holds at most one packet's worth of samples.
 */
export class PcmFrameQueue {
  #samples: Int16Array = new Int16Array(0);

  /** Whether a whole frame is waiting (then no packet needs decoding this tick). */
  get hasFrame(): boolean {
    return this.#samples.length >= FRAME_SAMPLES;
  }

  push(samples: Int16Array): void {
    if (samples.length === 0) return;
    if (this.#samples.length === 0) {
      this.#samples = samples;
      return;
    }
    const joined = new Int16Array(this.#samples.length + samples.length);
    joined.set(this.#samples);
    joined.set(samples, this.#samples.length);
    this.#samples = joined;
  }

  /** The next frame, padded with silence if less than a frame is queued. */
  shift(): Int16Array {
    if (this.#samples.length === FRAME_SAMPLES) {
      const frame = this.#samples;
      this.#samples = new Int16Array(0);
      return frame;
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(this.#samples.subarray(0, FRAME_SAMPLES));
    this.#samples = this.#samples.subarray(Math.min(FRAME_SAMPLES, this.#samples.length));
    return frame;
  }

  clear(): void {
    this.#samples = new Int16Array(0);
  }
}
