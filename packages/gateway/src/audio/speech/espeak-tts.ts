import { Worker } from 'node:worker_threads';

import { InvalidStateError, ValidationError } from '../../core/errors.ts';
import { resample } from '../codecs/resample.ts';
import { ENGINE_RATE } from '../contracts.ts';
import { decodeWav } from '../wav.ts';

/** Turns text into engine-rate audio. */
export interface SpeechSynthesizer {
  synthesize(text: string, voice?: VoiceOptions): Promise<Int16Array>;
}

export interface VoiceOptions {
  /** espeak-ng voice name, e.g. 'en-us', 'de', 'en+f3'. */
  readonly voice?: string;
  readonly wordsPerMinute?: number;
  /** 0-99, espeak's default 50. */
  readonly pitch?: number;
}

const DEFAULT_VOICE: Required<VoiceOptions> = { voice: 'en-us', wordsPerMinute: 165, pitch: 50 };

const MAX_TEXT_LENGTH = 2000;
const VOICE_NAME = /^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]{1,8})?$/i;
/** Below this, espeak's leading/trailing output is silence; trimmed so prompts follow each other promptly. */
const SILENCE_LEVEL = 48;
const KEEP_SILENCE_MS = 30;

interface WorkerReply {
  id: number;
  wav?: Uint8Array;
  error?: string;
}

/** Normalises and validates a text/voice request; the key it returns identifies the rendering. */
export function speechKey(text: string, voice: VoiceOptions = {}): { text: string; voice: Required<VoiceOptions>; key: string } {
  // Control characters would only confuse the synthesizer; newlines become pauses.
  const clean = text.replace(/\p{Cc}+/gu, ' ').trim();
  if (clean.length === 0) throw new ValidationError('text', 'nothing to say');
  if (clean.length > MAX_TEXT_LENGTH) throw new ValidationError('text', `longer than ${MAX_TEXT_LENGTH} characters`);
  const full = { ...DEFAULT_VOICE, ...voice };
  if (!VOICE_NAME.test(full.voice)) throw new ValidationError('voice', `not a voice name: ${full.voice}`);
  if (!Number.isInteger(full.wordsPerMinute) || full.wordsPerMinute < 80 || full.wordsPerMinute > 450) {
    throw new ValidationError('wordsPerMinute', 'must be an integer from 80 to 450');
  }
  if (!Number.isInteger(full.pitch) || full.pitch < 0 || full.pitch > 99) {
    throw new ValidationError('pitch', 'must be an integer from 0 to 99');
  }
  return { text: clean, voice: full, key: `${full.voice}|${full.wordsPerMinute}|${full.pitch}|${clean}` };
}

/**
 * espeak-ng (WASM) text to speech in a worker thread: 22.05 kHz output resampled to the
 * engine's 8 kHz. Requests are served one at a time in order; the worker starts on first
 * use and keeps the process alive only while requests are pending.
 */
export class EspeakTts implements SpeechSynthesizer {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (wav: Uint8Array) => void; reject: (error: Error) => void }>();
  #closed = false;

  async synthesize(text: string, voice: VoiceOptions = {}): Promise<Int16Array> {
    const request = speechKey(text, voice);
    const wav = await this.#request({ text: request.text, ...request.voice });
    const decoded = decodeWav(Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength));
    return trimSilence(resample(decoded.samples, decoded.info.sampleRate, ENGINE_RATE));
  }

  /** Stops the worker; pending requests fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new InvalidStateError('speech synthesizer closed'));
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #request(message: Required<VoiceOptions> & { text: string }): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new InvalidStateError('speech synthesizer closed'));
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, ...message });
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./espeak-worker.mjs', import.meta.url));
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.wav) pending.resolve(reply.wav);
      else pending.reject(new Error(`speech synthesis failed: ${reply.error ?? 'unknown error'}`));
    });
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', () => {
      // A crashed worker is replaced on the next request.
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(new Error('speech worker exited'));
    });
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

function trimSilence(samples: Int16Array): Int16Array {
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start]!) < SILENCE_LEVEL) start++;
  while (end > start && Math.abs(samples[end - 1]!) < SILENCE_LEVEL) end--;
  const keep = (KEEP_SILENCE_MS * ENGINE_RATE) / 1000;
  return samples.slice(Math.max(0, start - keep), Math.min(samples.length, end + keep));
}
