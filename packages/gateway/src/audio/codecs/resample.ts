import { ValidationError } from '../../core/errors.ts';

/**
 * Rational-ratio polyphase FIR resampler (Kaiser-windowed sinc).
 *
 * in/out = M/L in lowest terms: conceptually the input is upsampled by L (zeros stuffed),
 * low-pass filtered, and every M-th sample kept; the polyphase form computes only the
 * kept samples, each from K input samples. The filter spans ZERO_CROSSINGS sinc lobes
 * either side at the lower of the two rates, with its cutoff just under that rate's
 * Nyquist frequency, so down-sampling does not alias and up-sampling leaves no images.
 * Streaming: state carries over between `process()` calls, so audio cut into 20 ms
 * frames comes out exactly as if processed in one piece (no clicks at frame borders).
 * Used for speech synthesis (22.05 kHz), uploaded WAV messages (any rate) and any 8 kHz
 * <-> wideband stream; Opus needs none (libopus works at 8 kHz itself).
 */

const ZERO_CROSSINGS = 24;
/** Cutoff as a fraction of the lower rate: 3.68 kHz for 8 kHz telephony. */
const CUTOFF_FRACTION = 0.46;
/** Kaiser beta 8 gives about 80 dB of stop-band attenuation. */
const KAISER_BETA = 8;
const MIN_RATE = 1000;
const MAX_RATE = 384_000;

interface PolyphaseFilter {
  readonly up: number; // L
  readonly down: number; // M
  readonly tapsPerPhase: number; // K
  /** Phase p's taps at [p*K, (p+1)*K), stored reversed-free: tap j multiplies x[base - j]. */
  readonly taps: Float64Array;
  /** Group delay of the prototype filter in upsampled samples. */
  readonly center: number;
}

const filterCache = new Map<string, PolyphaseFilter>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50 && term > sum * 1e-12; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

function designFilter(inRate: number, outRate: number): PolyphaseFilter {
  const g = gcd(inRate, outRate);
  const up = outRate / g;
  const down = inRate / g;
  const lowRate = Math.min(inRate, outRate);
  const tapsPerPhase = Math.ceil((2 * ZERO_CROSSINGS * inRate) / lowRate);
  const length = tapsPerPhase * up;
  const center = Math.floor(length / 2);
  const upRate = inRate * up;
  const fc = (CUTOFF_FRACTION * lowRate) / upRate; // cycles per upsampled sample
  const i0Beta = besselI0(KAISER_BETA);
  const taps = new Float64Array(length);
  for (let m = 0; m < length; m++) {
    const t = m - center;
    const r = t / center;
    const window = Math.abs(r) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
    const sinc = t === 0 ? 1 : Math.sin(2 * Math.PI * fc * t) / (2 * Math.PI * fc * t);
    // Gain `up` restores the level lost by zero stuffing.
    const value = up * 2 * fc * sinc * window;
    // Polyphase layout: prototype tap m = phase + j*up goes to taps[phase*K + j].
    taps[(m % up) * tapsPerPhase + Math.floor(m / up)] = value;
  }
  return { up, down, tapsPerPhase, taps, center };
}

function filterFor(inRate: number, outRate: number): PolyphaseFilter {
  const key = `${inRate}>${outRate}`;
  let filter = filterCache.get(key);
  if (!filter) {
    filter = designFilter(inRate, outRate);
    filterCache.set(key, filter);
  }
  return filter;
}

function validateRate(field: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new ValidationError(field, `sample rate must be an integer from ${MIN_RATE} to ${MAX_RATE} Hz, got ${rate}`);
  }
}

export interface ResamplerOptions {
  /**
   * Start aligned with the input (no group delay) at the cost of holding back the first
   * half filter length until more input arrives. Used for whole-clip conversion.
   */
  readonly compensateDelay?: boolean;
}

/** A streaming sample-rate converter for one mono stream. */
export class Resampler {
  readonly #filter: PolyphaseFilter | undefined;
  /** The last K-1 input samples, followed by room for the next input block. */
  #buffer: Float64Array;
  /** Next output's position in upsampled units, relative to the current block's first sample. */
  #position: number;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    options: ResamplerOptions = {},
  ) {
    validateRate('inRate', inRate);
    validateRate('outRate', outRate);
    this.#filter = inRate === outRate ? undefined : filterFor(inRate, outRate);
    const history = this.#filter ? this.#filter.tapsPerPhase - 1 : 0;
    this.#buffer = new Float64Array(history);
    this.#position = options.compensateDelay && this.#filter ? this.#filter.center : 0;
  }

  /** Input samples one output sample depends on; the group delay is half of it. */
  get filterLength(): number {
    return this.#filter?.tapsPerPhase ?? 1;
  }

  process(input: Int16Array): Int16Array {
    const filter = this.#filter;
    if (!filter) return input.slice();
    const { up, down, tapsPerPhase: k, taps } = filter;
    const history = k - 1;
    if (this.#buffer.length < history + input.length) {
      const grown = new Float64Array(history + input.length);
      grown.set(this.#buffer.subarray(0, history));
      this.#buffer = grown;
    }
    const buffer = this.#buffer;
    for (let i = 0; i < input.length; i++) buffer[history + i] = input[i]!;

    const end = input.length * up;
    const count = this.#position >= end ? 0 : Math.ceil((end - this.#position) / down);
    const out = new Int16Array(count);
    // Walk base (input index) and phase incrementally: no division per output sample.
    let base = Math.floor(this.#position / up);
    let phase = this.#position - base * up;
    const baseStep = Math.floor(down / up);
    const phaseStep = down - baseStep * up;
    for (let n = 0; n < count; n++) {
      const offset = phase * k;
      const newest = history + base;
      let acc = 0;
      for (let j = 0; j < k; j++) acc += taps[offset + j]! * buffer[newest - j]!;
      out[n] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
      base += baseStep;
      phase += phaseStep;
      if (phase >= up) {
        phase -= up;
        base++;
      }
    }
    const position = base * up + phase;
    this.#position = position - end;
    buffer.copyWithin(0, input.length, input.length + history);
    return out;
  }
}

/** Converts a whole clip (a WAV file, a rendered phrase); the output is time-aligned with the input. */
export function resample(input: Int16Array, inRate: number, outRate: number): Int16Array {
  if (inRate === outRate) return input.slice();
  const resampler = new Resampler(inRate, outRate, { compensateDelay: true });
  const wanted = Math.floor((input.length * outRate) / inRate);
  const head = resampler.process(input);
  // Zeros push the last input samples through the filter's look-ahead.
  const tail = resampler.process(new Int16Array(resampler.filterLength));
  const out = new Int16Array(wanted);
  out.set(head.subarray(0, wanted));
  if (head.length < wanted) out.set(tail.subarray(0, wanted - head.length), head.length);
  return out;
}
