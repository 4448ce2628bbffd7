import { FRAME_SAMPLES } from '../contracts.ts';

/** Consecutive lost frames after which concealment is silence (60 ms, as G.711 Appendix I). */
const FRAMES_TO_SILENCE = 3;

/**
 * Packet loss concealment for codecs without their own: replays the last good frame,
 * fading out linearly so a burst of losses decays to silence instead of buzzing.
 */
export class FadeOutConcealer {
  readonly #lastFrame = new Int16Array(FRAME_SAMPLES);
  #consecutiveLosses = 0;

  /** Remembers the tail of good audio; call for every decoded payload. */
  remember(samples: Int16Array): void {
    this.#consecutiveLosses = 0;
    if (samples.length >= FRAME_SAMPLES) {
      this.#lastFrame.set(samples.subarray(samples.length - FRAME_SAMPLES));
    } else {
      this.#lastFrame.copyWithin(0, samples.length);
      this.#lastFrame.set(samples, FRAME_SAMPLES - samples.length);
    }
  }

  conceal(): Int16Array {
    const out = new Int16Array(FRAME_SAMPLES);
    const n = this.#consecutiveLosses++;
    if (n >= FRAMES_TO_SILENCE) return out;
    const gainStart = 1 - n / FRAMES_TO_SILENCE;
    const gainStep = 1 / FRAMES_TO_SILENCE / FRAME_SAMPLES;
    for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = Math.round(this.#lastFrame[i]! * (gainStart - gainStep * i));
    return out;
  }
}
