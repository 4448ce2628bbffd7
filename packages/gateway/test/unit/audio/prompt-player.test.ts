import { afterAll, describe, expect, it } from 'vitest';

import { EspeakTts, type SpeechSynthesizer } from '../../../src/audio/speech/espeak-tts.ts';
import { PhraseCache } from '../../../src/audio/speech/phrase-cache.ts';
import type { PromptInfo, PromptOutcome } from '../../../src/audio/speech/prompt.ts';
import { PromptPlayer } from '../../../src/audio/speech/prompt-player.ts';
import { concatSamples } from '../../../src/audio/synth.ts';
import { dominantFrequency, rms } from '../../support/tone.ts';

/** Speech stand-in: 100 ms (5 frames) of a constant per phrase, ready when the test says so. */
class ControlledSynthesizer implements SpeechSynthesizer {
  readonly pending = new Map<string, { resolve: (a: Int16Array) => void; reject: (e: Error) => void }>();
  synthesize(text: string): Promise<Int16Array> {
    return new Promise((resolve, reject) => this.pending.set(text, { resolve, reject }));
  }
  finish(text: string, value = 1000): void {
    this.pending.get(text)!.resolve(new Int16Array(800).fill(value));
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function recorder(player: PromptPlayer): string[] {
  const log: string[] = [];
  player.on('started', (info: PromptInfo) => log.push(`started ${info.label}`));
  player.on('ended', (info: PromptInfo, outcome: PromptOutcome) => log.push(`ended ${info.label} ${outcome}`));
  return log;
}

const ready = (): PhraseCache => new PhraseCache({ synthesize: async () => new Int16Array(800).fill(1000) });

describe('PromptPlayer', () => {
  it('plays prompts one after another, frame by frame, and reports start and end', async () => {
    const player = new PromptPlayer(ready());
    const log = recorder(player);
    const first = player.play({ kind: 'tone', frequenciesHz: [1000], durationMs: 100 });
    const second = player.play({ kind: 'speech', text: 'Welcome.' });
    await flush();
    const out: Int16Array[] = [];
    for (let f = player.nextFrame(); f; f = player.nextFrame()) out.push(f);
    expect(out).toHaveLength(10);
    expect(await first).toBe('finished');
    expect(await second).toBe('finished');
    expect(log).toEqual([
      'started tone 1000 Hz 100 ms',
      'ended tone 1000 Hz 100 ms finished',
      'started Welcome.',
      'ended Welcome. finished',
    ]);
    expect(dominantFrequency(concatSamples(out.slice(0, 5)), 900, 1100)).toBe(1000);
    expect(player.active).toBe(false);
  });

  it('barge-in: interrupt() stops the playing prompt and cancels the queue', async () => {
    const player = new PromptPlayer(ready());
    const log = recorder(player);
    const playing = player.play({ kind: 'silence', durationMs: 1000 });
    const queued = player.play({ kind: 'tone', frequenciesHz: [440], durationMs: 200 });
    player.nextFrame();
    player.nextFrame();
    player.interrupt();
    expect(await playing).toBe('interrupted');
    expect(await queued).toBe('cancelled');
    expect(player.nextFrame()).toBeNull();
    expect(log).toEqual(['started pause 1000 ms', 'ended pause 1000 ms interrupted', 'ended tone 440 Hz 200 ms cancelled']);
  });

  it('holds the queue with silence while speech is still rendering, then plays it', async () => {
    const synth = new ControlledSynthesizer();
    const player = new PromptPlayer(new PhraseCache(synth));
    const done = player.play({ kind: 'speech', text: 'Door opened.' });
    expect(rms(player.nextFrame()!)).toBe(0);
    synth.finish('Door opened.', 2000);
    await flush();
    expect(player.nextFrame()![0]).toBe(2000);
    for (let i = 0; i < 4; i++) player.nextFrame();
    expect(player.nextFrame()).toBeNull();
    expect(await done).toBe('finished');
  });

  it('a prompt that cannot be rendered ends as failed and the next one plays', async () => {
    const synth = new ControlledSynthesizer();
    const player = new PromptPlayer(new PhraseCache(synth));
    const failed = player.play({ kind: 'speech', text: 'Broken.' });
    const next = player.play({ kind: 'tone', frequenciesHz: [800], durationMs: 40 });
    synth.pending.get('Broken.')!.reject(new Error('synthesis failed'));
    await flush();
    expect(player.nextFrame()).not.toBeNull();
    expect(await failed).toBe('failed');
    player.nextFrame();
    expect(await next).toBe('finished');
  });

  it('close cancels everything; later prompts are cancelled at once', async () => {
    const player = new PromptPlayer(ready());
    const playing = player.play({ kind: 'silence', durationMs: 500 });
    player.nextFrame();
    player.close();
    player.close();
    expect(await playing).toBe('cancelled');
    expect(await player.play({ kind: 'silence', durationMs: 20 })).toBe('cancelled');
    expect(player.nextFrame()).toBeNull();
  });

  describe('with real espeak-ng speech', () => {
    const tts = new EspeakTts();
    afterAll(() => tts.close());

    it('a spoken prompt is heard in full', async () => {
      const cache = new PhraseCache(tts);
      const rendered = await cache.get('The door is open.');
      const player = new PromptPlayer(cache);
      const done = player.play({ kind: 'speech', text: 'The door is open.' });
      await flush();
      const out: Int16Array[] = [];
      for (let f = player.nextFrame(); f; f = player.nextFrame()) out.push(f);
      expect(await done).toBe('finished');
      expect(out).toHaveLength(Math.ceil(rendered.length / 160));
      expect(rms(concatSamples(out))).toBeGreaterThan(0.03);
    });
  });
});
