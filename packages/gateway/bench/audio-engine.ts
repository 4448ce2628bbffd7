/**
 * Per-frame costs of the audio engine, so the media layer can estimate calls per core.
 * Run: npx tsx packages/gateway/bench/audio-engine.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CallAudio } from '../src/audio/call-audio.ts';
import { createCodec } from '../src/audio/codecs/create-codec.ts';
import { Resampler } from '../src/audio/codecs/resample.ts';
import type { CodecName } from '../src/audio/contracts.ts';
import { SimulatedMicrophone } from '../src/audio/device/microphone.ts';
import { SimulatedSpeaker } from '../src/audio/device/speaker.ts';
import { GoertzelDtmfDetector } from '../src/audio/dtmf/goertzel-detector.ts';
import { JitterBuffer } from '../src/audio/jitter-buffer.ts';
import { EspeakTts } from '../src/audio/speech/espeak-tts.ts';
import { PhraseCache } from '../src/audio/speech/phrase-cache.ts';
import { synthesizeTone } from '../src/audio/synth.ts';
import { FakeClock } from '../src/core/clock.ts';
import { fixed, printTable } from './support/report.ts';

const FRAMES = Number(process.env.FRAMES ?? 5000);
const voice = synthesizeTone(
  [
    { frequencyHz: 220, amplitude: 6000 },
    { frequencyHz: 660, amplitude: 3000 },
    { frequencyHz: 1320, amplitude: 1500 },
  ],
  8000,
);
const frameAt = (i: number): Int16Array => voice.subarray((i % 50) * 160, (i % 50) * 160 + 160);

const BATCHES = 5;

/**
 * Microseconds per call of fn, after a warm-up: the best of BATCHES batches, since on a
 * shared machine the other batches measure the neighbours, not the code.
 */
function perFrameUs(fn: (i: number) => void): number {
  for (let i = 0; i < 500; i++) fn(i);
  let best = Infinity;
  const batch = Math.ceil(FRAMES / BATCHES);
  for (let b = 0; b < BATCHES; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn(b * batch + i);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  return best;
}

const rows: [string, number][] = [];
const measure = (label: string, fn: (i: number) => void): number => {
  const us = perFrameUs(fn);
  rows.push([label, us]);
  return us;
};

// Codecs.
const codecCost: Record<CodecName, { encode: number; decode: number }> = {} as never;
for (const name of ['PCMU', 'PCMA', 'opus'] as const) {
  const encoder = createCodec(name);
  const decoder = createCodec(name);
  const payloads = Array.from({ length: 50 }, (_, i) => encoder.encode(frameAt(i)));
  const encode = measure(`${name} encode`, (i) => encoder.encode(frameAt(i)));
  const decode = measure(`${name} decode`, (i) => decoder.decode(payloads[i % 50]!));
  measure(`${name} conceal`, () => decoder.conceal());
  codecCost[name] = { encode, decode };
  encoder.close();
  decoder.close();
}

// Building blocks.
const up = new Resampler(8000, 48_000);
const down = new Resampler(48_000, 8000);
const wide = up.process(frameAt(0));
measure('resample 8k -> 48k (160 -> 960)', (i) => up.process(frameAt(i)));
measure('resample 48k -> 8k (960 -> 160)', () => down.process(wide));
const detector = new GoertzelDtmfDetector();
measure('in-band DTMF detector', (i) => detector.process(frameAt(i)));
const jitter = new JitterBuffer();
const payload = Buffer.alloc(160);
const jitterUs = measure('jitter buffer push + pop', (i) => {
  jitter.push(i & 0xffff, i * 160, payload);
  jitter.pop();
});

// CallAudio, the camera's side of a call.
const dataDir = mkdtempSync(join(tmpdir(), 'camgate-bench-'));
const clock = new FakeClock();
const microphone = new SimulatedMicrophone({ clock });
const speaker = new SimulatedSpeaker(dataDir);
const phrases = new PhraseCache({ synthesize: async () => new Int16Array(8000) });
const callAudio = (mode: 'listen' | 'speak' | 'intercom', n: number) =>
  new CallAudio({ callId: `bench-${mode}-${n}`, microphone, speaker, phrases, intercom: { thresholdPercent: 5, cycleTimeMs: 1000 }, mode });
const tick = (audio: CallAudio) => (i: number) => {
  audio.pushCallerFrame(frameAt(i));
  audio.pullFrame();
  clock.advance(20);
};
const listen = callAudio('listen', 1);
const listenUs = measure('CallAudio push+pull, Listen', tick(listen));
const speak = callAudio('speak', 1);
const speakUs = measure('CallAudio push+pull, Speak (WAV writer)', tick(speak));
const intercom = callAudio('intercom', 1);
const intercomUs = measure('CallAudio push+pull, Intercom', tick(intercom));
const prompting = callAudio('listen', 2);
void prompting.play({ kind: 'tone', frequenciesHz: [440], durationMs: 3_600_000 });
const promptUs = measure('CallAudio push+pull, Listen + prompt', tick(prompting));
const callAudioUs = Math.max(listenUs, speakUs, intercomUs, promptUs);
await Promise.all([listen, speak, intercom, prompting].map((a) => a.close()));

printTable(
  `audio engine, per 20 ms frame (best of ${BATCHES} batches of ${Math.ceil(FRAMES / BATCHES)} frames, Node ${process.version})`,
  ['step', 'µs'],
  rows.map(([label, us]) => [label, fixed(us)]),
);

// Text to speech.
const tts = new EspeakTts();
const sentences = [
  'Welcome. Please enter your PIN, followed by the hash key.',
  'Command one, door opener. Press hash to confirm.',
  'The door has been opened.',
  'Listen mode.',
  'The time is eleven forty five.',
];
await tts.synthesize('Warm up.');
const times: number[] = [];
let audioSeconds = 0;
for (const text of sentences) {
  const start = performance.now();
  const audio = await tts.synthesize(text);
  times.push(performance.now() - start);
  audioSeconds += audio.length / 8000;
}
const cache = new PhraseCache(tts);
const start = performance.now();
await cache.prerender(sentences.map((s) => `${s} Again.`));
const prerender = performance.now() - start;
await tts.close();
rmSync(dataDir, { recursive: true, force: true });

printTable('audio engine summary', ['', 'value'], [
  ...(['PCMU', 'opus'] as const).map((name) => {
    // One call's 20 ms tick: jitter buffer + decode + CallAudio (costliest mode) + encode.
    const total = jitterUs + codecCost[name].decode + callAudioUs + codecCost[name].encode;
    return [`${name} call: µs per 20 ms tick -> calls per core`, `${fixed(total, 0)} µs -> ${Math.floor(20_000 / total)} (engine alone, no RTP/mediasoup)`];
  }),
  ['espeak-ng (WASM, worker thread) per sentence', `${times.map((t) => t.toFixed(0)).join(', ')} ms (${(audioSeconds / sentences.length).toFixed(1)} s of speech each)`],
  [`prerendering ${sentences.length} phrases`, `${prerender.toFixed(0)} ms`],
]);
