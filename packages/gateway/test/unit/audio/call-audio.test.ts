import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { CallAudio, type CallAudioLevels } from '../../../src/audio/call-audio.ts';
import { SimulatedMicrophone } from '../../../src/audio/device/microphone.ts';
import { SimulatedSpeaker } from '../../../src/audio/device/speaker.ts';
import { generateDtmfTone } from '../../../src/audio/dtmf/tone-generator.ts';
import type { IntercomDirection } from '../../../src/audio/intercom-gate.ts';
import { PhraseCache } from '../../../src/audio/speech/phrase-cache.ts';
import { concatSamples, synthesizeTone } from '../../../src/audio/synth.ts';
import { decodeWav } from '../../../src/audio/wav.ts';
import { InvalidStateError } from '../../../src/core/errors.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { sineWav } from '../../support/baresip.ts';
import { frames, rms, ROOM_TEST_HZ, toneAmplitude } from '../../support/tone.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'camgate-call-audio-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The caller says "aah" at 440 Hz, -10 dBFS (RMS about 22% of full scale). */
const CALLER_HZ = 440;
const callerVoice = (ms: number): Int16Array[] =>
  frames(synthesizeTone([{ frequencyHz: CALLER_HZ, amplitude: 10_362 }], (ms / 1000) * 8000));
const silence = (ms: number): Int16Array[] => frames(new Int16Array((ms / 1000) * 8000));

/** The room: a recognisable tone looped as the microphone (its default ambience is noise). */
const ROOM_HZ = ROOM_TEST_HZ;
const roomWav = join(dataDir, 'room.wav');
writeFileSync(roomWav, sineWav(ROOM_HZ, 1));
/** Comfort noise stays below this RMS (-50 dBFS), far under speech, far above digital silence. */
const COMFORT_MAX = 10 ** (-50 / 20);
/** ...and above this (-70 dBFS). */
const COMFORT_MIN = 10 ** (-70 / 20);

let nextCall = 1;
const open: CallAudio[] = [];
function makeCall(options: Partial<ConstructorParameters<typeof CallAudio>[0]> = {}) {
  const clock = new FakeClock();
  const speaker = new SimulatedSpeaker(dataDir);
  const callId = `call-${nextCall++}`;
  const call = new CallAudio({
    callId,
    microphone: new SimulatedMicrophone({ clock, wavPath: roomWav }),
    speaker,
    phrases: new PhraseCache({ synthesize: async () => new Int16Array(1600).fill(0) }),
    intercom: { thresholdPercent: 5, cycleTimeMs: 1000 },
    ...options,
  });
  open.push(call);
  /** One 20 ms tick of the media clock: the caller's frame in, the caller's frame out. */
  const tick = (callerFrame: Int16Array): Int16Array => {
    call.pushCallerFrame(callerFrame);
    const out = call.pullFrame();
    clock.advance(20);
    return out;
  };
  return { call, tick, speakerFile: speaker.pathFor(callId) };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('CallAudio: the help page audio modes', () => {
  it('Listen: the caller hears the room microphone (1 kHz), never their own voice', () => {
    const { call, tick, speakerFile } = makeCall({ mode: 'listen' });
    const heard = concatSamples(callerVoice(1000).map(tick));
    expect(call.mode).toBe('listen');
    expect(toneAmplitude(heard, ROOM_HZ)).toBeGreaterThan(3000);
    expect(toneAmplitude(heard, CALLER_HZ)).toBeLessThan(30);
    expect(existsSync(speakerFile)).toBe(false);
  });

  it('Speak: the caller is on the camera speaker (recorded WAV) and the microphone is off', async () => {
    const { call, tick, speakerFile } = makeCall({ mode: 'speak' });
    const heard = concatSamples(callerVoice(1000).map(tick));
    expect(toneAmplitude(heard, ROOM_HZ)).toBeLessThan(30);
    await call.close();
    const recorded = decodeWav(readFileSync(speakerFile)).samples;
    expect(recorded.length).toBe(8000);
    expect(toneAmplitude(recorded, CALLER_HZ)).toBeGreaterThan(10_000);
  });

  it('No audio: neither direction', () => {
    const { tick, speakerFile } = makeCall({ mode: 'none' });
    expect(toneAmplitude(concatSamples(callerVoice(400).map(tick)), ROOM_HZ)).toBeLessThan(30);
    expect(existsSync(speakerFile)).toBe(false);
  });

  it('sends comfort noise, not digital silence, whenever the room microphone is off', () => {
    for (const mode of ['speak', 'none'] as const) {
      const { tick } = makeCall({ mode });
      const heard = silence(1000).map(tick);
      // Every frame: faint noise (a caller hears an open line), never loud.
      for (const frame of heard) {
        expect(rms(frame)).toBeGreaterThan(COMFORT_MIN);
        expect(rms(frame)).toBeLessThan(COMFORT_MAX);
      }
      expect(toneAmplitude(concatSamples(heard), ROOM_HZ)).toBeLessThan(30);
    }
  });

  it('switches mode at any time (Listen -> Speak -> Listen) and reports the change', () => {
    const { call, tick } = makeCall({ mode: 'listen' });
    const modes: string[] = [];
    call.on('mode', (m) => modes.push(m));
    expect(rms(concatSamples(silence(100).map(tick)))).toBeGreaterThan(COMFORT_MAX * 10);
    call.setMode('speak');
    expect(rms(concatSamples(silence(100).map(tick)))).toBeLessThan(COMFORT_MAX);
    call.setMode('listen');
    expect(rms(concatSamples(silence(100).map(tick)))).toBeGreaterThan(COMFORT_MAX * 10);
    expect(modes).toEqual(['speak', 'listen']);
  });

  describe('Intercom (half duplex, threshold and cycle time)', () => {
    it('mutes the microphone while the caller talks and for the cycle time after', async () => {
      const { call, tick, speakerFile } = makeCall({ mode: 'intercom', intercom: { thresholdPercent: 5, cycleTimeMs: 400 } });
      const directions: IntercomDirection[] = [];
      call.on('intercom', (d) => directions.push(d));
      const micOn = (out: Int16Array): boolean => toneAmplitude(out, ROOM_HZ) > 1000;

      // Room first: the caller hears the microphone.
      expect(silence(200).map(tick).every(micOn)).toBe(true);
      // The caller talks for 300 ms: microphone muted from the first loud frame.
      expect(callerVoice(300).map(tick).some(micOn)).toBe(false);
      // Caller quiet again: still muted for the 400 ms cycle time (20 frames), then back.
      const after = silence(600).map(tick).map(micOn);
      expect(after.slice(0, 20).some(Boolean)).toBe(false);
      expect(after.slice(20).every(Boolean)).toBe(true);
      expect(directions).toEqual(['caller-to-room', 'room-to-caller']);

      // The speaker carried the caller only while the caller had the floor.
      await call.close();
      const recorded = decodeWav(readFileSync(speakerFile)).samples;
      expect(recorded.length / 160).toBe(15 + 20); // 300 ms of voice + the 400 ms hold
      expect(toneAmplitude(recorded.subarray(0, 2400), CALLER_HZ)).toBeGreaterThan(10_000);
    });

    it('a caller below the threshold does not take the floor', () => {
      const { call, tick } = makeCall({ mode: 'intercom', intercom: { thresholdPercent: 50, cycleTimeMs: 100 } });
      const heard = concatSamples(callerVoice(400).map(tick));
      expect(toneAmplitude(heard, ROOM_HZ)).toBeGreaterThan(3000);
      call.setIntercom({ thresholdPercent: 5, cycleTimeMs: 100 });
      expect(toneAmplitude(concatSamples(callerVoice(200).map(tick)), ROOM_HZ)).toBeLessThan(100);
    });
  });

  it('prompts play over the room sound, with the microphone ducked so they stay intelligible', async () => {
    const { call, tick } = makeCall({ mode: 'listen' });
    const before = concatSamples(silence(200).map(tick));
    const done = call.play({ kind: 'tone', frequenciesHz: [600], durationMs: 400 });
    const during = concatSamples(silence(400).map(tick).slice(2, -2)); // past the gain ramps
    expect(await done).toBe('finished');
    const after = concatSamples(silence(200).map(tick).slice(2));
    expect(toneAmplitude(during, 600)).toBeGreaterThan(5000);
    const duckDb = 20 * Math.log10(toneAmplitude(during, ROOM_HZ) / toneAmplitude(before, ROOM_HZ));
    expect(duckDb).toBeLessThan(-15);
    expect(toneAmplitude(after, ROOM_HZ)).toBeCloseTo(toneAmplitude(before, ROOM_HZ), -2);
  });

  it('reports prompts starting and ending (captions), and barge-in interrupts', async () => {
    const { call, tick } = makeCall({ mode: 'none' });
    const log: string[] = [];
    call.on('prompt-started', (info) => log.push(`start ${info.label}`));
    call.on('prompt-ended', (info, outcome) => log.push(`end ${info.label} ${outcome}`));
    const long = call.play({ kind: 'silence', durationMs: 2000 });
    const next = call.play({ kind: 'tone', frequenciesHz: [700], durationMs: 100 });
    silence(100).map(tick);
    expect(call.promptActive).toBe(true);
    call.interrupt();
    expect([await long, await next]).toEqual(['interrupted', 'cancelled']);
    expect(call.promptActive).toBe(false);
    expect(log).toEqual(['start pause 2000 ms', 'end pause 2000 ms interrupted', 'end tone 700 Hz 100 ms cancelled']);
  });

  it('emits an in-band DTMF key once per press, in any mode, unless switched off', () => {
    const { call, tick } = makeCall({ mode: 'listen' });
    const keys: string[] = [];
    call.on('dtmf', (key, source) => keys.push(`${key}/${source}`));
    const press = (key: '5' | '#') => frames(generateDtmfTone(key, { durationMs: 80 })).map(tick);
    press('5');
    silence(100).map(tick);
    press('#');
    silence(100).map(tick);
    call.setInbandDtmf(false);
    press('5');
    silence(100).map(tick);
    expect(keys).toEqual(['5/inband', '#/inband']);
  });

  it('reports the caller level about 5 times a second, in percent of full scale', () => {
    const { call, tick } = makeCall({ mode: 'listen' });
    const levels: CallAudioLevels[] = [];
    call.on('level', (l) => levels.push(l));
    callerVoice(1000).map(tick);
    expect(levels).toHaveLength(5);
    // A sine of peak 10362 has RMS 7327: 22.4% of full scale.
    for (const l of levels) {
      expect(l.callerPercent).toBeCloseTo(22.4, 0);
      expect(l.microphonePercent).toBeGreaterThan(5);
    }
  });

  it('close is idempotent, cancels prompts, finalises the speaker file, and goes quiet', async () => {
    const { call, tick, speakerFile } = makeCall({ mode: 'speak' });
    callerVoice(100).map(tick);
    const prompt = call.play({ kind: 'silence', durationMs: 1000 });
    await Promise.all([call.close(), call.close()]);
    expect(await prompt).toBe('cancelled');
    expect(decodeWav(readFileSync(speakerFile)).samples.length).toBe(800);
    expect(rms(call.pullFrame())).toBe(0);
    expect(() => call.pushCallerFrame(new Int16Array(160))).not.toThrow();
    expect(() => call.setMode('listen')).toThrow(InvalidStateError);
  });
});
