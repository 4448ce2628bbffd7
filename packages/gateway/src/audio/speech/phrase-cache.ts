import type { SpeechSynthesizer, VoiceOptions } from './espeak-tts.ts';
import { speechKey } from './espeak-tts.ts';

/**
 * Rendered phrases by text and voice. Fixed phrases are rendered once at start-up
 * (`prerender`) and kept; other text (numbers, dates) is memoized in a bounded LRU.
 * Concurrent requests for the same phrase share one rendering.
 */
export class PhraseCache {
  readonly #renderings = new Map<string, Promise<Int16Array>>();
  readonly #pinned = new Set<string>();

  constructor(
    readonly synthesizer: SpeechSynthesizer,
    readonly maxEntries = 500,
  ) {}

  get size(): number {
    return this.#renderings.size;
  }

  has(text: string, voice?: VoiceOptions): boolean {
    return this.#renderings.has(speechKey(text, voice).key);
  }

  /** The phrase's audio (8 kHz), rendering it on first use. */
  get(text: string, voice?: VoiceOptions): Promise<Int16Array> {
    const { key } = speechKey(text, voice);
    let rendering = this.#renderings.get(key);
    if (rendering) {
      // Refresh LRU position.
      this.#renderings.delete(key);
    } else {
      rendering = this.synthesizer.synthesize(text, voice);
      // A failed rendering is not cached: the next request tries again.
      rendering.catch(() => {
        if (this.#renderings.get(key) === rendering) this.#renderings.delete(key);
      });
    }
    this.#renderings.set(key, rendering);
    this.#evict();
    return rendering;
  }

  /**
   * Renders fixed phrases ahead of calls and keeps them for good (the cache holds each
   * language's set under its voice). One at a time: a call's live prompt, asked for
   * meanwhile, waits for one phrase, not the whole set (a language change mid-service).
   */
  async prerender(phrases: readonly string[], voice?: VoiceOptions): Promise<void> {
    for (const text of phrases) this.#pinned.add(speechKey(text, voice).key);
    for (const text of phrases) await this.get(text, voice);
  }

  #evict(): void {
    for (const key of this.#renderings.keys()) {
      if (this.#renderings.size <= this.maxEntries) return;
      if (!this.#pinned.has(key)) this.#renderings.delete(key);
    }
  }
}
