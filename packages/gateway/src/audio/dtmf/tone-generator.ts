import { ENGINE_RATE } from '../contracts.ts';
import { clampToInt16, concatSamples, dbfsToAmplitude, gaussianNoise, seededRandom, synthesizeTone } from '../synth.ts';
import { type DtmfKey, keyFrequencies } from './keys.ts';

/** DTMF test signals: the impairments a detector must tolerate (Q.24) are options. */
export interface DtmfToneOptions {
  readonly durationMs?: number;
  /** Level of the low (row) tone, dBFS. Default -10. */
  readonly levelDbfs?: number;
  /** High-group level minus low-group level, dB (+4: column louder; -8: column quieter). */
  readonly twistDb?: number;
  /** Shifts both frequencies by this percentage (e.g. 1.5 or -3.5). */
  readonly frequencyOffsetPercent?: number;
  /** Adds white Gaussian noise this many dB below the tone pair's power. */
  readonly snrDb?: number;
  /** Seed of the noise, for reproducible tests. */
  readonly seed?: number;
  readonly rate?: number;
}

export function generateDtmfTone(key: DtmfKey, options: DtmfToneOptions = {}): Int16Array {
  const rate = options.rate ?? ENGINE_RATE;
  const samples = Math.round(((options.durationMs ?? 100) * rate) / 1000);
  const { low, high } = keyFrequencies(key);
  const shift = 1 + (options.frequencyOffsetPercent ?? 0) / 100;
  const lowAmplitude = dbfsToAmplitude(options.levelDbfs ?? -10);
  const highAmplitude = lowAmplitude * 10 ** ((options.twistDb ?? 0) / 20);
  const tone = synthesizeTone(
    [
      { frequencyHz: low * shift, amplitude: lowAmplitude },
      { frequencyHz: high * shift, amplitude: highAmplitude },
    ],
    samples,
    { rate },
  );
  if (options.snrDb === undefined) return tone;
  const signalPower = (lowAmplitude ** 2 + highAmplitude ** 2) / 2;
  const noiseRms = Math.sqrt(signalPower / 10 ** (options.snrDb / 10));
  const noise = gaussianNoise(samples, noiseRms, seededRandom(options.seed ?? 1));
  for (let i = 0; i < samples; i++) tone[i] = clampToInt16(tone[i]! + noise[i]!);
  return tone;
}

/** Keys separated by silence: what a person dialling produces. */
export function generateDtmfSequence(
  keys: readonly DtmfKey[],
  options: DtmfToneOptions & { readonly pauseMs?: number } = {},
): Int16Array {
  const rate = options.rate ?? ENGINE_RATE;
  const pause = new Int16Array(Math.round(((options.pauseMs ?? 60) * rate) / 1000));
  const parts = keys.flatMap((key, i) => [pause, generateDtmfTone(key, { ...options, seed: (options.seed ?? 1) + i })]);
  parts.push(pause);
  return concatSamples(parts);
}
