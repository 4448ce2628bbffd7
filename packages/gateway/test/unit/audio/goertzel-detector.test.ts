import { describe, expect, it } from 'vitest';

import { createCodec } from '../../../src/audio/codecs/create-codec.ts';
import { GoertzelDtmfDetector } from '../../../src/audio/dtmf/goertzel-detector.ts';
import { DTMF_KEYS, type DtmfKey } from '../../../src/audio/dtmf/keys.ts';
import { type DtmfToneOptions, generateDtmfSequence, generateDtmfTone } from '../../../src/audio/dtmf/tone-generator.ts';
import { concatSamples } from '../../../src/audio/synth.ts';
import { frames } from '../../support/tone.ts';
import { renderSpeechCorpus } from './speech-corpus.ts';

/** Runs audio through a fresh detector in 20 ms frames, as the media layer delivers it. */
function detect(audio: Int16Array): DtmfKey[] {
  const detector = new GoertzelDtmfDetector();
  return frames(audio).flatMap((f) => detector.process(f));
}

/** A tone placed at several offsets against the detector's block grid, with silence around it. */
function tonesAtAllAlignments(key: DtmfKey, options: DtmfToneOptions): Int16Array[] {
  return [0, 13, 26, 39].map((lead) => concatSamples([new Int16Array(160 + lead), generateDtmfTone(key, options), new Int16Array(480)]));
}

/** Q.24 / AT&T receiver requirements (DESIGN.md "Numbers to design against"). */
describe('GoertzelDtmfDetector', () => {
  describe('accepts', () => {
    const accepted: [string, DtmfToneOptions][] = [
      ['40 ms tones', { durationMs: 40 }],
      ['40 ms at -30 dBFS', { durationMs: 40, levelDbfs: -30 }],
      ['normal twist: column 8 dB below row', { durationMs: 40, twistDb: -8 }],
      ['reverse twist: column 4 dB above row', { durationMs: 40, twistDb: 4 }],
      ['S/N of 15 dB', { durationMs: 40, snrDb: 15, seed: 7 }],
      ['frequencies 1.5% high', { durationMs: 40, frequencyOffsetPercent: 1.5 }],
      ['frequencies 1.5% low', { durationMs: 40, frequencyOffsetPercent: -1.5 }],
    ];
    it.each(accepted)('%s: all 16 keys, each exactly once, at any alignment', (_label, options) => {
      for (const key of DTMF_KEYS) {
        for (const audio of tonesAtAllAlignments(key, options)) expect(detect(audio), key).toEqual([key]);
      }
    });

    it('a dialled sequence with 40 ms pauses, including repeated keys', () => {
      const keys: DtmfKey[] = ['1', '2', '3', '4', '#', '0', '0', '*', '9', '9', '9'];
      expect(detect(generateDtmfSequence(keys, { durationMs: 50, pauseMs: 40 }))).toEqual(keys);
    });

    it.each(['PCMU', 'PCMA', 'opus'] as const)('keys that went through %s', (codecName) => {
      const encoder = createCodec(codecName);
      const decoder = createCodec(codecName);
      const audio = generateDtmfSequence([...DTMF_KEYS], { durationMs: 40, pauseMs: 60 });
      const detector = new GoertzelDtmfDetector();
      const keys = frames(audio).flatMap((f) => detector.process(decoder.decode(encoder.encode(f))));
      encoder.close();
      decoder.close();
      expect(keys).toEqual([...DTMF_KEYS]);
    });

    it('reports a long tone once, and again only after a pause', () => {
      const long = generateDtmfTone('5', { durationMs: 2000 });
      expect(detect(concatSamples([long, new Int16Array(400), long]))).toEqual(['5', '5']);
    });
  });

  describe('rejects', () => {
    it.each([20, 23])('%i ms tones (too short)', (durationMs) => {
      for (const key of DTMF_KEYS) {
        for (const audio of tonesAtAllAlignments(key, { durationMs })) expect(detect(audio), key).toEqual([]);
      }
    });

    it.each([3.5, -3.5])('frequencies off by %f%%, even held for 200 ms', (frequencyOffsetPercent) => {
      for (const key of DTMF_KEYS) expect(detect(generateDtmfTone(key, { durationMs: 200, frequencyOffsetPercent })), key).toEqual([]);
    });

    it.each([
      ['column 12 dB below row', -12],
      ['column 8 dB above row', 8],
    ])('twist beyond the limits: %s', (_label, twistDb) => {
      for (const key of DTMF_KEYS) expect(detect(generateDtmfTone(key, { durationMs: 200, twistDb })), key).toEqual([]);
    });

    it('a single tone (one group only), e.g. a dial tone or a beep', () => {
      const beep = new Int16Array(1600).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 941 * i) / 8000)));
      expect(detect(beep)).toEqual([]);
    });

    it('a minute of speech in several voices and pitches: no digit (talk-off)', () => {
      const speech = renderSpeechCorpus(60);
      expect(speech.length).toBeGreaterThan(59 * 8000);
      // Talk-off is a near miss by nature: it depends on how the speech falls on the
      // detector's block grid, so try several alignments, and quiet and hot levels.
      const runs: [gain: number, shift: number][] = [[0.3, 0], [2.5, 0], [1, 0], [1, 10], [1, 20], [1, 30], [1, 40], [1, 50]];
      for (const [gain, shift] of runs) {
        const scaled = concatSamples([new Int16Array(shift), speech.map((v) => Math.max(-32768, Math.min(32767, v * gain)))]);
        expect(detect(scaled), `gain ${gain}, shifted ${shift} samples`).toEqual([]);
      }
    });
  });
});
