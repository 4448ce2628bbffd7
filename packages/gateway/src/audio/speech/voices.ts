import type { SpokenLanguage } from '@camgate/protocol';
import type { VoiceOptions } from './espeak-tts.ts';

/** The espeak-ng voice of each spoken language (all bundled in the npm package's WASM build). */
const LANGUAGE_VOICES: Readonly<Record<SpokenLanguage, string>> = { en: 'en-us', de: 'de', fr: 'fr', es: 'es', it: 'it', nl: 'nl' };

export function voiceFor(language: SpokenLanguage): VoiceOptions {
  return { voice: LANGUAGE_VOICES[language] };
}
