import { execFileSync } from 'node:child_process';

import { concatSamples } from '../../../src/audio/synth.ts';
import { readWav } from '../../../src/audio/wav.ts';

/**
 * Speech for talk-off tests ("no false digits on speech"), rendered by Debian's espeak-ng
 * with varied voices and pitches: prompts, digits and numbers, and held vowels, which are
 * the hardest case (steady harmonics that can sit on a DTMF row and column).
 */
const SENTENCES = [
  'Hello, this is the camera at the front door. Please enter your PIN, followed by the hash key.',
  'Ahhh, ooooh, eeeee, mmmmm. Wow, amazing! Really? Yes, indeed. Oh no, not again.',
  'The door has been opened. The light is switched on for sixty seconds.',
  'Today is Tuesday, the twenty third of March, two thousand and twenty six. The time is eleven forty five.',
  'Nine eight seven six five four three two one zero. One hundred and twenty three thousand four hundred and fifty six.',
  'Would you like to hear the room? Speak after the tone. Intercom mode activated. Listen mode. Speak mode.',
  'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore.',
  'Your last event was recorded at nine seventeen. The internet connection is online. Email sent.',
  'Hey! Is anybody home? I have a parcel for you. Could you please open the gate? Thank you very much.',
  'Star, hash, zero, one, two, three. Press seven to listen, eight to speak and nine for intercom.',
];

const VOICES: readonly (readonly [voice: string, pitch: number])[] = [
  ['en-us', 50], ['en+f3', 85], ['en+m3', 20], ['de', 60], ['fr', 40], ['en-us+f4', 85], ['es', 70], ['it', 30],
];

/** About `seconds` of 8 kHz speech. */
export function renderSpeechCorpus(seconds: number): Int16Array {
  const parts: Int16Array[] = [];
  let total = 0;
  for (let i = 0; total < seconds * 8000; i++) {
    const [voice, pitch] = VOICES[i % VOICES.length]!;
    const text = SENTENCES[i % SENTENCES.length]!;
    const wav = execFileSync('espeak-ng', ['-v', voice, '-p', String(pitch), '-s', '160', '--stdout', text], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const { samples } = readWav(wav);
    parts.push(samples);
    total += samples.length;
  }
  return concatSamples(parts);
}
