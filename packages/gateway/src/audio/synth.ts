import { ENGINE_RATE } from './contracts.ts';

/** Signal synthesis shared by prompts (beeps), the simulated microphone and DTMF test tones. */

/** Joins pieces of audio end to end. */
export function concatSamples(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface ToneComponent {
  readonly frequencyHz: number;
  /** Peak amplitude of this sine, in sample units (full scale 32767). */
  readonly amplitude: number;
}

/** Converts a level in dB relative to full-scale sine (dBFS) to a peak amplitude. */
export function dbfsToAmplitude(dbfs: number): number {
  return 32767 * 10 ** (dbfs / 20);
}

/** A sum of sines, clipped to 16 bits; `phaseSamples` shifts the start so loops stay continuous. */
export function synthesizeTone(
  components: readonly ToneComponent[],
  samples: number,
  options: { rate?: number; phaseSamples?: number } = {},
): Int16Array {
  const rate = options.rate ?? ENGINE_RATE;
  const start = options.phaseSamples ?? 0;
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    let v = 0;
    for (const c of components) v += c.amplitude * Math.sin((2 * Math.PI * c.frequencyHz * (start + i)) / rate);
    out[i] = clampToInt16(v);
  }
  return out;
}

/** Deterministic pseudo-random generator (mulberry32), so noisy test signals are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** White Gaussian noise (Box-Muller) with the given RMS, in sample units. */
export function gaussianNoise(samples: number, rms: number, random: () => number): Float64Array {
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i += 2) {
    const u = Math.max(random(), 1e-12);
    const r = rms * Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * random();
    out[i] = r * Math.cos(theta);
    if (i + 1 < samples) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

export function clampToInt16(value: number): number {
  return value >= 32767 ? 32767 : value <= -32768 ? -32768 : Math.round(value);
}
