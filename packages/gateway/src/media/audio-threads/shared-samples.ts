import type { Prompt } from '../../audio/speech/prompt.ts';

/** Copies made once per rendering: a phrase played by 200 calls crosses to the threads once. */
const shared = new WeakMap<Int16Array, Int16Array>();

/**
 * The samples in a SharedArrayBuffer, so every audio thread reads the same memory (a cached
 * phrase stays usable here, unlike a transferred buffer). Already shared samples pass as they are.
 */
export function shareSamples(samples: Int16Array): Int16Array {
  if (samples.buffer instanceof SharedArrayBuffer) return samples;
  let copy = shared.get(samples);
  if (!copy) {
    copy = new Int16Array(new SharedArrayBuffer(samples.byteLength));
    copy.set(samples);
    shared.set(samples, copy);
  }
  return copy;
}

/** A prompt ready to post to an audio thread: recorded audio in shared memory. */
export function sharePrompt(prompt: Prompt): Prompt {
  return prompt.kind === 'audio' ? { ...prompt, samples: shareSamples(prompt.samples) } : prompt;
}
