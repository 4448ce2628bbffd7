/**
 * Test-side audio measurements, deliberately independent of the engine under test (its
 * level meter and DTMF detector): one DFT bin at a time, RMS, and splitting audio into
 * frames or blocks. Audio is 8 kHz 16-bit unless a rate is given.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ENGINE_RATE, FRAME_SAMPLES } from '../../src/audio/contracts.ts';
import { readWav } from '../../src/audio/wav.ts';
import { sineWav } from './baresip.ts';

/** |X(hz)|² of one DFT bin (Goertzel, any frequency), with the block's energy Σx². */
function binPower(samples: Int16Array, hz: number, rate: number): { power: number; energy: number } {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  return { power: Math.max(0, s1 * s1 + s2 * s2 - coefficient * s1 * s2), energy };
}

/** Peak amplitude of the component at `hz`, in sample units (exact for whole cycles). */
export function toneAmplitude(samples: Int16Array, hz: number, rate = ENGINE_RATE): number {
  if (samples.length === 0) return 0;
  return (2 * Math.sqrt(binPower(samples, hz, rate).power)) / samples.length;
}

/** Share of the block's energy at `hz`: 1 for a pure sine of `hz`, near 0 without it. */
export function toneShare(samples: Int16Array, hz: number, rate = ENGINE_RATE): number {
  const { power, energy } = binPower(samples, hz, rate);
  return energy === 0 ? 0 : (2 * power) / (samples.length * energy);
}

/** Frequency of the strongest component between lowHz and highHz, in 1 Hz steps. */
export function dominantFrequency(samples: Int16Array, lowHz: number, highHz: number, rate = ENGINE_RATE): number {
  let best = lowHz;
  let bestAmplitude = -1;
  for (let hz = lowHz; hz <= highHz; hz++) {
    const amplitude = toneAmplitude(samples, hz, rate);
    if (amplitude > bestAmplitude) {
      bestAmplitude = amplitude;
      best = hz;
    }
  }
  return best;
}

/** RMS, 0..1 of full scale. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += (s / 32768) ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** Splits audio into frames of `size` samples (20 ms by default), the last one zero-padded. */
export function frames(samples: Int16Array, size = FRAME_SAMPLES): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < samples.length; i += size) {
    const frame = new Int16Array(size);
    frame.set(samples.subarray(i, i + size));
    out.push(frame);
  }
  return out;
}

/** A WAV file at 8 kHz split into blocks of `blockMs`, for "when in the recording" checks. */
export async function wavBlocks(path: string, blockMs = 100): Promise<Int16Array[]> {
  const { samples } = readWav(await readFile(path), ENGINE_RATE);
  return frames(samples, (ENGINE_RATE * blockMs) / 1000);
}

/** Whether `hz` dominates the block (share above 0.5) at an audible level. */
export function hasTone(block: Int16Array, hz: number): boolean {
  return rms(block) > 0.005 && toneShare(block, hz) > 0.5;
}

/** Number of blocks where `hz` dominates at an audible level. */
export function blocksWithTone(blocks: Int16Array[], hz: number): number {
  return blocks.filter((block) => hasTone(block, hz)).length;
}

/**
 * A room tone tests can recognise: the gateway's own room ambience is noise by design, so
 * tests that follow the microphone through a call loop this 1 kHz sine instead
 * (`--microphone-wav`; 20 ms hold exactly 20 cycles, so the loop is seamless).
 */
export const ROOM_TEST_HZ = 1000;

/** Writes the room test tone into `dir` and returns its path. */
export async function writeRoomToneWav(dir: string): Promise<string> {
  const path = join(dir, 'room-tone.wav');
  await writeFile(path, sineWav(ROOM_TEST_HZ, 1));
  return path;
}

/**
 * Spectral flatness (Wiener entropy) averaged over 256-sample blocks: the geometric over the
 * arithmetic mean of the power spectrum (naive DFT, bins 1..127). About 0 for a pure tone,
 * around 0.5 for white noise, in between for coloured noise.
 */
export function spectralFlatness(samples: Int16Array, size = 256): number {
  const results: number[] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    let logSum = 0;
    let sum = 0;
    const bins = size / 2 - 1;
    for (let k = 1; k <= bins; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < size; n++) {
        // Hann window: a block edge would otherwise smear a tone over every bin.
        const x = samples[start + n]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / size));
        re += x * Math.cos((2 * Math.PI * k * n) / size);
        im -= x * Math.sin((2 * Math.PI * k * n) / size);
      }
      const power = re * re + im * im + 1e-9;
      logSum += Math.log(power);
      sum += power;
    }
    results.push(Math.exp(logSum / bins) / (sum / bins));
  }
  return results.reduce((a, b) => a + b, 0) / Math.max(1, results.length);
}

/** Log energy per 10 ms, the outline of speech. */
function energyEnvelope(samples: Int16Array, hop = ENGINE_RATE / 100): Float64Array {
  const out = new Float64Array(Math.floor(samples.length / hop));
  for (let f = 0; f < out.length; f++) {
    let sum = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) sum += samples[i]! * samples[i]!;
    out[f] = Math.log10(1 + sum / hop);
  }
  return out;
}

function correlation(a: ArrayLike<number>, aStart: number, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[aStart + i] ?? 0;
    ab += x * b[i]!;
    aa += x * x;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/**
 * How closely a rendering of a phrase occurs somewhere in a recording: the speech outline
 * (10 ms energy envelope) locates the best candidates, then the waveforms' normalised
 * cross-correlation around each is the score (1: the same audio, e.g. the same espeak
 * rendering after G.711; about 0.7 when only its first half was recorded; near 0:
 * different speech).
 */
export function bestMatch(recorded: Int16Array, rendering: Int16Array): number {
  const hop = ENGINE_RATE / 100;
  // Silence after the recording: a phrase cut off by the hang-up still counts for the part heard.
  const recording = new Int16Array(recorded.length + rendering.length);
  recording.set(recorded);
  const envelope = energyEnvelope(recording);
  const outline = energyEnvelope(rendering);
  const mean = outline.reduce((s, v) => s + v, 0) / outline.length;
  const centred = outline.map((v) => v - mean);
  const candidates: { frame: number; score: number }[] = [];
  for (let f = 0; f + outline.length <= envelope.length; f++) {
    const window = envelope.subarray(f, f + outline.length);
    const windowMean = window.reduce((s, v) => s + v, 0) / window.length;
    candidates.push({ frame: f, score: correlation(window.map((v) => v - windowMean), 0, centred) });
  }
  candidates.sort((x, y) => y.score - x.score);
  let best = 0;
  for (const { frame } of candidates.slice(0, 5)) {
    for (let lag = -2 * hop; lag <= 2 * hop; lag++) {
      const start = frame * hop + lag;
      if (start >= 0) best = Math.max(best, correlation(recording, start, rendering));
    }
  }
  return best;
}
