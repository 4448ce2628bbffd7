/**
 * In-band DTMF: camgate's GoertzelDtmfDetector next to multimon-ng (Debian), on the same
 * signals: the Q.24 / AT&T acceptance cases, the rejection cases, and five minutes of
 * espeak-ng speech for talk-off. Run: npx tsx packages/gateway/bench/dtmf-detectors.ts
 */
import { execFileSync } from 'node:child_process';

import { resample } from '../src/audio/codecs/resample.ts';
import { GoertzelDtmfDetector } from '../src/audio/dtmf/goertzel-detector.ts';
import { DTMF_KEYS, type DtmfKey } from '../src/audio/dtmf/keys.ts';
import { type DtmfToneOptions, generateDtmfTone } from '../src/audio/dtmf/tone-generator.ts';
import { clampToInt16, concatSamples } from '../src/audio/synth.ts';
import { renderSpeechCorpus } from '../test/unit/audio/speech-corpus.ts';
import { printTable } from './support/report.ts';

const MULTIMON_RATE = 22_050;
const ROUNDS = 4; // each key this many times per case, at different block alignments

interface Case {
  readonly label: string;
  readonly options: DtmfToneOptions;
  readonly shouldDetect: boolean;
}

const CASES: Case[] = [
  { label: '40 ms', options: { durationMs: 40 }, shouldDetect: true },
  { label: '40 ms, twist +4 dB', options: { durationMs: 40, twistDb: 4 }, shouldDetect: true },
  { label: '40 ms, twist -8 dB', options: { durationMs: 40, twistDb: -8 }, shouldDetect: true },
  { label: '40 ms, S/N 15 dB', options: { durationMs: 40, snrDb: 15 }, shouldDetect: true },
  { label: '40 ms, +1.5%', options: { durationMs: 40, frequencyOffsetPercent: 1.5 }, shouldDetect: true },
  { label: '40 ms, -1.5%', options: { durationMs: 40, frequencyOffsetPercent: -1.5 }, shouldDetect: true },
  { label: '60 ms, +1.5%, S/N 15, twist -8', options: { durationMs: 60, frequencyOffsetPercent: 1.5, snrDb: 15, twistDb: -8 }, shouldDetect: true },
  { label: '100 ms at -35 dBFS', options: { durationMs: 100, levelDbfs: -35 }, shouldDetect: true },
  { label: '20 ms', options: { durationMs: 20 }, shouldDetect: false },
  { label: '23 ms', options: { durationMs: 23 }, shouldDetect: false },
  { label: '100 ms, +3.5%', options: { durationMs: 100, frequencyOffsetPercent: 3.5 }, shouldDetect: false },
  { label: '100 ms, -3.5%', options: { durationMs: 100, frequencyOffsetPercent: -3.5 }, shouldDetect: false },
  { label: '100 ms, twist -12 dB', options: { durationMs: 100, twistDb: -12 }, shouldDetect: false },
];

/** Every key ROUNDS times, 300 ms apart, shifted against any block grid. */
function caseSignal(options: DtmfToneOptions): { audio: Int16Array; keys: DtmfKey[] } {
  const keys: DtmfKey[] = [];
  const parts: Int16Array[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of DTMF_KEYS) {
      keys.push(key);
      parts.push(new Int16Array(2400 + round * 17), generateDtmfTone(key, { ...options, seed: keys.length }));
    }
  }
  parts.push(new Int16Array(2400));
  return { audio: concatSamples(parts), keys };
}

function camgate(audio: Int16Array): string[] {
  const detector = new GoertzelDtmfDetector();
  const keys: string[] = [];
  for (let i = 0; i < audio.length; i += 160) keys.push(...detector.process(audio.subarray(i, i + 160)));
  return keys;
}

function multimon(audio: Int16Array): string[] {
  const wide = resample(audio, 8000, MULTIMON_RATE);
  const out = execFileSync('multimon-ng', ['-q', '-c', '-a', 'DTMF', '-t', 'raw', '-'], {
    input: Buffer.from(wide.buffer, wide.byteOffset, wide.byteLength),
    maxBuffer: 16 * 1024 * 1024,
  }).toString();
  return [...out.matchAll(/^DTMF: (.)$/gm)].map((m) => m[1]!);
}

/** Hits = expected keys found in order; extras = everything else reported. */
function score(expected: readonly string[], got: readonly string[]): { hits: number; extras: number } {
  let hits = 0;
  let j = 0;
  for (const key of got) {
    if (j < expected.length && key === expected[j]) {
      hits++;
      j++;
    } else {
      const ahead = expected.indexOf(key, j);
      if (ahead >= 0 && ahead - j <= 2) {
        hits++;
        j = ahead + 1;
      }
    }
  }
  return { hits, extras: got.length - hits };
}

const DETECTORS = { camgate, 'multimon-ng': multimon } as const;
type Detector = keyof typeof DETECTORS;
const totals = Object.fromEntries(Object.keys(DETECTORS).map((name) => [name, { hits: 0, keys: 0, extras: 0, falseOnRejects: 0, rejects: 0, talkOff: 0 }])) as Record<
  Detector,
  { hits: number; keys: number; extras: number; falseOnRejects: number; rejects: number; talkOff: number }
>;
const names = Object.keys(DETECTORS) as Detector[];

const caseRows: string[][] = [];
for (const c of CASES) {
  const { audio, keys } = caseSignal(c.options);
  caseRows.push([
    `${c.label}${c.shouldDetect ? '' : ' (reject)'}`,
    ...names.map((name) => {
      const got = DETECTORS[name](audio);
      const total = totals[name];
      if (!c.shouldDetect) {
        total.falseOnRejects += got.length;
        total.rejects += keys.length;
        return `${got.length} false / ${keys.length}`;
      }
      const { hits, extras } = score(keys, got);
      total.hits += hits;
      total.keys += keys.length;
      total.extras += extras;
      return `${hits}/${keys.length} hit, ${extras} extra`;
    }),
  ]);
}
printTable(`in-band DTMF on generated tones (each key ${ROUNDS} times per case)`, ['case', ...names], caseRows);

const minutes = Number(process.env.SPEECH_MINUTES ?? 5);
const started = performance.now();
const speech = renderSpeechCorpus(minutes * 60);
const speechMinutes = speech.length / 8000 / 60;
const talkOffRows: string[][] = [];
for (const gain of [0.3, 1, 2.5]) {
  const scaled = speech.map((v) => clampToInt16(v * gain));
  talkOffRows.push([
    `gain ${gain}`,
    ...names.map((name) => {
      const got = DETECTORS[name](scaled);
      totals[name].talkOff += got.length;
      return `${got.length} false (${got.join('').slice(0, 16) || '-'})`;
    }),
  ]);
}
printTable(
  `talk-off: ${speechMinutes.toFixed(1)} min of espeak-ng speech (8 voices/pitches, rendered in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  ['speech', ...names],
  talkOffRows,
);

printTable('in-band DTMF summary', ['', ...names], [
  ['keys that must be detected: hits', ...names.map((n) => `${totals[n].hits}/${totals[n].keys}`)],
  ['extra keys on those', ...names.map((n) => String(totals[n].extras))],
  ['keys on signals that must be rejected', ...names.map((n) => `${totals[n].falseOnRejects}/${totals[n].rejects}`)],
  [`false keys in ${speechMinutes.toFixed(1)} min of speech x 3 gains`, ...names.map((n) => String(totals[n].talkOff))],
]);
