import { afterAll, describe, expect, it } from 'vitest';

import { EspeakTts, type SpeechSynthesizer, type VoiceOptions } from '../../../src/audio/speech/espeak-tts.ts';
import { PhraseCache } from '../../../src/audio/speech/phrase-cache.ts';
import { voiceFor } from '../../../src/audio/speech/voices.ts';
import { SPOKEN_LANGUAGES } from '@camgate/protocol';
import { PHRASES } from '../../../src/camera/phrases.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { rms } from '../../support/tone.ts';

const tts = new EspeakTts();
afterAll(() => tts.close());

/** Counts what reaches the real synthesizer, to prove the cache works. */
class CountingSynthesizer implements SpeechSynthesizer {
  calls: string[] = [];
  constructor(readonly inner: SpeechSynthesizer) {}
  synthesize(text: string, voice?: VoiceOptions): Promise<Int16Array> {
    this.calls.push(text);
    return this.inner.synthesize(text, voice);
  }
}

describe('espeak-ng text to speech (WASM, in a worker thread)', () => {
  it('renders a sentence as audible 8 kHz speech of plausible length', async () => {
    const audio = await tts.synthesize('Please enter your PIN, followed by the hash key.');
    const seconds = audio.length / 8000;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(6);
    expect(rms(audio)).toBeGreaterThan(0.03);
  });

  it('speaks other voices, and text that looks like command-line options is just text', async () => {
    const german = await tts.synthesize('Die Tür ist offen.', { voice: 'de' });
    expect(rms(german)).toBeGreaterThan(0.03);
    const tricky = await tts.synthesize('-w /etc/passwd --stdout');
    expect(rms(tricky)).toBeGreaterThan(0.03);
  });

  it('rejects empty text, unknown voices and bad parameters with clear errors', async () => {
    await expect(tts.synthesize('  \n ')).rejects.toThrow(ValidationError);
    await expect(tts.synthesize('hi', { voice: 'en; rm -rf /' })).rejects.toThrow(/voice/);
    await expect(tts.synthesize('hi', { pitch: 200 })).rejects.toThrow(/pitch/);
    await expect(tts.synthesize('hi', { voice: 'xx-nothere' })).rejects.toThrow(/does not exist/);
    // The worker survives a failed request.
    expect(rms(await tts.synthesize('Still here.'))).toBeGreaterThan(0.03);
  });

  it('has a bundled voice for every spoken language of the settings', async () => {
    for (const language of SPOKEN_LANGUAGES) {
      const audio = await tts.synthesize(PHRASES[language].prompts.enterPin, voiceFor(language));
      expect(rms(audio), language).toBeGreaterThan(0.03);
    }
  });

  it('fails pending and later requests once closed', async () => {
    const own = new EspeakTts();
    const pending = expect(own.synthesize('This will not finish.')).rejects.toThrow(/closed/);
    await own.close();
    await pending;
    await expect(own.synthesize('Nor this.')).rejects.toThrow(/closed/);
  });
});

describe('PhraseCache', () => {
  it('renders each phrase once: prerendered phrases and later requests share the rendering', async () => {
    const counting = new CountingSynthesizer(tts);
    const cache = new PhraseCache(counting);
    await cache.prerender(['Door opened.', 'Light on.']);
    expect(counting.calls).toEqual(['Door opened.', 'Light on.']);
    const [a, b] = await Promise.all([cache.get('Door opened.'), cache.get('Door opened.')]);
    expect(a).toBe(b);
    expect(counting.calls).toHaveLength(2);
    // Voice is part of the key.
    await cache.get('Door opened.', { voice: 'en+f3' });
    expect(counting.calls).toHaveLength(3);
  });

  it('prerenders one phrase at a time, so a live prompt asked for meanwhile waits for one phrase only', async () => {
    const order: string[] = [];
    const fake: SpeechSynthesizer = {
      synthesize: async (text) => {
        order.push(text);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return Int16Array.of(text.length);
      },
    };
    const cache = new PhraseCache(fake);
    const german = { voice: 'de' };
    const prerender = cache.prerender(['Eins.', 'Zwei.', 'Drei.', 'Vier.'], german);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await cache.get('Live prompt.', german);
    expect(order.indexOf('Live prompt.')).toBeLessThanOrEqual(1);
    await prerender;
    // Keyed by voice: the same text in another language is another rendering.
    expect(cache.has('Eins.', german)).toBe(true);
    expect(cache.has('Eins.', { voice: 'en-us' })).toBe(false);
  });

  it('keeps prerendered phrases when the memo of other text overflows', async () => {
    const fake: SpeechSynthesizer = { synthesize: async (text) => Int16Array.of(text.length) };
    const cache = new PhraseCache(fake, 3);
    await cache.prerender(['Welcome.']);
    for (const n of [1, 2, 3, 4, 5]) await cache.get(`Number ${n}`);
    expect(cache.size).toBe(3);
    expect(cache.has('Welcome.')).toBe(true);
    expect(cache.has('Number 5')).toBe(true);
    expect(cache.has('Number 1')).toBe(false);
  });

  it('does not cache a failed rendering', async () => {
    let attempts = 0;
    const flaky: SpeechSynthesizer = {
      synthesize: async () => {
        if (attempts++ === 0) throw new Error('boom');
        return Int16Array.of(1);
      },
    };
    const cache = new PhraseCache(flaky);
    await expect(cache.get('Hello')).rejects.toThrow('boom');
    await expect(cache.get('Hello')).resolves.toEqual(Int16Array.of(1));
  });
});
