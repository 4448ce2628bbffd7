import { FRAME_SAMPLES } from './contracts.ts';
import { clampToInt16, dbfsToAmplitude, seededRandom } from './synth.ts';

/**
 * Level of the comfort noise (dBov, RMS relative to a full-scale sine): audible in a quiet
 * room as "the line is open", far below speech (RFC 3389's usual range is -50..-70 dBov).
 */
export const COMFORT_NOISE_DBOV = -56;

/** RMS of the filter below for uniform white input in ±1 (measured over 10⁶ samples). */
const PINK_FILTER_RMS = 0.4275;

/**
 * Pink noise (equal energy per octave: -3 dB per octave, like room air and line hiss), from
 * Paul Kellet's economy filter on white noise. Stateful, so consecutive frames join seamlessly.
 */
export class PinkNoise {
  #b0 = 0;
  #b1 = 0;
  #b2 = 0;
  readonly #random: () => number;
  /** Scales the filter's output to `rms`. */
  readonly #gain: number;

  constructor(rms: number, seed = 1) {
    this.#random = seededRandom(seed);
    this.#gain = rms / PINK_FILTER_RMS;
  }

  /** The next sample, in sample units (not clipped). */
  next(): number {
    const white = this.#random() * 2 - 1;
    this.#b0 = 0.99765 * this.#b0 + white * 0.099046;
    this.#b1 = 0.963 * this.#b1 + white * 0.2965164;
    this.#b2 = 0.57 * this.#b2 + white * 1.0526913;
    return (this.#b0 + this.#b1 + this.#b2 + white * 0.1848) * 0.25 * this.#gain;
  }
}

/**
 * Comfort noise for the audio a caller hears: pure digital silence on a phone line sounds
 * like a dropped call, so while the camera sends nothing else (Speak mode, a muted intercom)
 * it sends this faint hiss instead.
 */
export class ComfortNoise {
  readonly #noise: PinkNoise;

  constructor(levelDbov = COMFORT_NOISE_DBOV, seed = 7) {
    // dBov is relative to a full-scale sine, whose RMS is its peak / √2.
    this.#noise = new PinkNoise(dbfsToAmplitude(levelDbov) / Math.SQRT2, seed);
  }

  /** Adds 20 ms of comfort noise to `frame` in place. */
  addTo(frame: Int16Array): Int16Array {
    for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = clampToInt16(frame[i]! + this.#noise.next());
    return frame;
  }
}
