import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { ENGINE_RATE, FRAME_SAMPLES } from '../contracts.ts';
import { dbfsToAmplitude, synthesizeTone } from '../synth.ts';
import type { VoiceOptions } from './espeak-tts.ts';
import type { PhraseCache } from './phrase-cache.ts';
import { type Prompt, type PromptInfo, type PromptOutcome, describePrompt } from './prompt.ts';

export type PromptPlayerEvents = {
  started: [info: PromptInfo];
  ended: [info: PromptInfo, outcome: PromptOutcome];
};

/** A queued prompt; its audio may still be rendering. */
interface QueuedPrompt {
  readonly info: PromptInfo;
  readonly finish: (outcome: PromptOutcome) => void;
  /** Audio once rendered; `failed` if rendering failed. */
  audio: Int16Array | 'rendering' | 'failed';
  /** Samples already played. */
  position: number;
}

const DEFAULT_TONE_LEVEL_DBFS = -12;

/**
 * One call's prompt queue, played frame by frame: the media clock pulls `nextFrame()`
 * every 20 ms, so prompt time is frame count, not wall time. Speech starts rendering as
 * soon as it is queued, so consecutive prompts follow each other without gaps; a prompt
 * whose speech is not ready yet holds the queue (silence) until it is.
 */
export class PromptPlayer extends TypedEmitter<PromptPlayerEvents> {
  readonly #queue: QueuedPrompt[] = [];
  #nextId = 1;
  #closed = false;
  /** Whether the head of the queue has been announced with `started`. */
  #headStarted = false;

  readonly #phrases: PhraseCache;
  readonly #logger: Logger | undefined;
  /** Voice of speech prompts that name none: the call's language. */
  readonly #voice: VoiceOptions | undefined;

  constructor(phrases: PhraseCache, logger?: Logger, voice?: VoiceOptions) {
    super();
    this.#phrases = phrases;
    this.#logger = logger;
    this.#voice = voice;
  }

  /** Something is queued or playing. */
  get active(): boolean {
    return this.#queue.length > 0;
  }

  /** Queues a prompt; resolves when it has finished, was interrupted, or cancelled. */
  play(prompt: Prompt): Promise<PromptOutcome> {
    const info: PromptInfo = { id: this.#nextId++, kind: prompt.kind, label: describePrompt(prompt) };
    if (this.#closed) return Promise.resolve('cancelled');
    return new Promise((resolve) => {
      const entry: QueuedPrompt = { info, finish: resolve, audio: 'rendering', position: 0 };
      this.#queue.push(entry);
      this.#render(prompt, entry);
    });
  }

  /** Barge-in: stops the playing prompt and drops everything queued after it. */
  interrupt(): void {
    this.#stopAll('interrupted');
  }

  /** The next 20 ms of prompt audio, or null when nothing is playing. */
  nextFrame(): Int16Array | null {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.audio === 'rendering') return new Int16Array(FRAME_SAMPLES);
      if (!this.#headStarted) {
        this.#headStarted = true;
        if (head.audio !== 'failed') this.safeEmit('started', head.info);
      }
      if (head.audio === 'failed' || head.position >= head.audio.length) {
        this.#endHead(head.audio === 'failed' ? 'failed' : 'finished');
        continue;
      }
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(head.audio.subarray(head.position, head.position + FRAME_SAMPLES));
      head.position += FRAME_SAMPLES;
      if (head.position >= head.audio.length) this.#endHead('finished');
      return frame;
    }
    return null;
  }

  /** Cancels everything; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#stopAll('cancelled');
    this.#closed = true;
  }

  #stopAll(outcomeOfPlaying: PromptOutcome): void {
    const [head, ...rest] = this.#queue.splice(0);
    const headWasPlaying = this.#headStarted;
    this.#headStarted = false;
    if (head) this.#finish(head, headWasPlaying ? outcomeOfPlaying : 'cancelled');
    for (const entry of rest) this.#finish(entry, 'cancelled');
  }

  #endHead(outcome: PromptOutcome): void {
    const head = this.#queue.shift();
    this.#headStarted = false;
    if (head) this.#finish(head, outcome);
  }

  #finish(entry: QueuedPrompt, outcome: PromptOutcome): void {
    // Never the label: a prompt may read back digits the caller typed (a PIN).
    this.#logger?.debug({ promptId: entry.info.id, kind: entry.info.kind, outcome }, 'prompt ended');
    this.safeEmit('ended', entry.info, outcome);
    entry.finish(outcome);
  }

  #render(prompt: Prompt, entry: QueuedPrompt): void {
    switch (prompt.kind) {
      case 'audio':
        entry.audio = prompt.samples;
        return;
      case 'silence':
        entry.audio = new Int16Array(Math.round((prompt.durationMs * ENGINE_RATE) / 1000));
        return;
      case 'tone': {
        const amplitude = dbfsToAmplitude(prompt.levelDbfs ?? DEFAULT_TONE_LEVEL_DBFS) / prompt.frequenciesHz.length;
        const samples = Math.round((prompt.durationMs * ENGINE_RATE) / 1000);
        entry.audio = fadeEdges(
          synthesizeTone(prompt.frequenciesHz.map((frequencyHz) => ({ frequencyHz, amplitude })), samples),
        );
        return;
      }
      case 'speech':
        this.#phrases.get(prompt.text, prompt.voice ?? this.#voice).then(
          (audio) => {
            entry.audio = audio;
          },
          (error: unknown) => {
            this.#logger?.warn({ err: error, promptId: entry.info.id }, 'speech prompt could not be rendered');
            entry.audio = 'failed';
          },
        );
        return;
    }
  }
}

/** 5 ms raised-cosine ramps: a tone switched on or off abruptly clicks. */
function fadeEdges(samples: Int16Array): Int16Array {
  const ramp = Math.min(Math.round(ENGINE_RATE * 0.005), samples.length >> 1);
  for (let i = 0; i < ramp; i++) {
    const gain = 0.5 - 0.5 * Math.cos((Math.PI * i) / ramp);
    samples[i] = Math.round(samples[i]! * gain);
    samples[samples.length - 1 - i] = Math.round(samples[samples.length - 1 - i]! * gain);
  }
  return samples;
}
