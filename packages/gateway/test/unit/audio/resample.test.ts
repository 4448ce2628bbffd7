import { describe, expect, it } from 'vitest';

import { Resampler, resample } from '../../../src/audio/codecs/resample.ts';
import { concatSamples, synthesizeTone } from '../../../src/audio/synth.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { dominantFrequency, toneAmplitude } from '../../support/tone.ts';

const tone = (hz: number, rate: number, seconds: number, amplitude = 10_000): Int16Array =>
  synthesizeTone([{ frequencyHz: hz, amplitude }], Math.round(rate * seconds), { rate });

describe('polyphase resampler', () => {
  it('a 440 Hz tone stays 440 Hz at the same level after 8k -> 48k -> 8k in 20 ms frames', () => {
    const input = tone(440, 8000, 1);
    const up = new Resampler(8000, 48_000);
    const down = new Resampler(48_000, 8000);
    const out: Int16Array[] = [];
    for (let i = 0; i < input.length; i += 160) {
      const wide = up.process(input.subarray(i, i + 160));
      expect(wide.length).toBe(960);
      const narrow = down.process(wide);
      expect(narrow.length).toBe(160);
      out.push(narrow);
    }
    const steady = concatSamples(out).subarray(800); // past the filters' start-up
    expect(dominantFrequency(steady, 400, 480)).toBe(440);
    expect(toneAmplitude(steady, 440)).toBeGreaterThan(9900);
    expect(toneAmplitude(steady, 440)).toBeLessThan(10_100);
  });

  it('streams seamlessly: frame-by-frame output equals one-piece output', () => {
    const input = tone(1000, 8000, 0.5);
    const whole = new Resampler(8000, 48_000).process(input);
    const framed = new Resampler(8000, 48_000);
    const pieces: Int16Array[] = [];
    for (let i = 0; i < input.length; i += 160) pieces.push(framed.process(input.subarray(i, i + 160)));
    expect(Array.from(concatSamples(pieces))).toEqual(Array.from(whole));
  });

  it('passes telephone-band speech frequencies (300-3400 Hz) within 0.5 dB going down from 48 kHz', () => {
    for (const hz of [300, 1000, 2000, 3000, 3400]) {
      const out = resample(tone(hz, 48_000, 0.5), 48_000, 8000).subarray(200, 3800);
      const db = 20 * Math.log10(toneAmplitude(out, hz) / 10_000);
      expect(Math.abs(db), `${hz} Hz`).toBeLessThan(0.5);
    }
  });

  it('does not alias: 4.5-20 kHz content of a 48 kHz stream is gone at 8 kHz (> 60 dB down)', () => {
    for (const hz of [4500, 5000, 7000, 12_000, 20_000]) {
      const out = resample(tone(hz, 48_000, 0.5), 48_000, 8000).subarray(200, 3800);
      const aliasHz = Math.abs(((hz + 4000) % 8000) - 4000);
      expect(toneAmplitude(out, aliasHz), `${hz} Hz -> ${aliasHz} Hz`).toBeLessThan(10);
    }
  });

  it('up-sampling leaves no images above 4 kHz', () => {
    const out = resample(tone(1000, 8000, 0.5), 8000, 48_000).subarray(1200, 22_800);
    expect(toneAmplitude(out, 1000, 48_000)).toBeGreaterThan(9900);
    for (const image of [7000, 9000, 15_000, 17_000]) expect(toneAmplitude(out, image, 48_000)).toBeLessThan(10);
  });

  it('converts TTS (22.05 kHz) and odd WAV rates to 8 kHz, time-aligned and with the right length', () => {
    for (const rate of [22_050, 44_100, 11_025, 16_000, 32_000]) {
      const input = tone(1000, rate, 1);
      const out = resample(input, rate, 8000);
      expect(out.length).toBe(8000);
      expect(dominantFrequency(out.subarray(100, 7900), 900, 1100)).toBe(1000);
    }
    // An impulse keeps its position: no group delay in whole-clip conversion.
    const impulse = new Int16Array(441);
    impulse[220] = 20_000;
    const out = resample(impulse, 22_050, 8000);
    const peak = out.indexOf(Math.max(...out));
    expect(Math.abs(peak - (220 * 8000) / 22_050)).toBeLessThanOrEqual(1);
  });

  it('rejects nonsense rates', () => {
    expect(() => new Resampler(0, 8000)).toThrow(ValidationError);
    expect(() => new Resampler(8000, 44_100.5)).toThrow(ValidationError);
  });
});
