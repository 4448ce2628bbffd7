import { Worker } from 'node:worker_threads';
import { createSpeakerState } from '../../audio/device/speaker.ts';
import type { PhraseCache } from '../../audio/speech/phrase-cache.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { Respawner } from '../../core/respawner.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { LogFormat, Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { RtpPortBusyError } from '../rtp-audio-engine.ts';
import { shareSamples } from './shared-samples.ts';
import type { AudioThreadData, FromAudioThread, ThreadCallOptions, ThreadRequest, ToAudioThread } from './thread-messages.ts';
import { ThreadedCallAudio, type AudioThreadChannel } from './threaded-call-audio.ts';

const ENTRY = new URL('./audio-thread-entry.mjs', import.meta.url);
/** Delay before another try when a replacement thread fails to start. */
const RESPAWN_RETRY_MS = 1000;

export interface AudioThreadPoolOptions {
  /** Audio threads (each uses up to one core). */
  readonly size: number;
  /** The threads log at this logger's level. */
  readonly logger: Logger;
  readonly logFormat?: LogFormat;
  /** The main thread's phrase cache: phrases are rendered once and shared with every thread. */
  readonly phrases: PhraseCache;
  /** Where the simulated speaker records each call. */
  readonly dataDir: string;
  readonly microphoneWav?: string;
  readonly clock?: Clock;
}

export type AudioThreadPoolEvents = {
  /** An audio thread died; its calls' engines failed (their calls end), a replacement starts. */
  threaddied: [threadId: number, calls: number];
};

/** One worker thread and the calls it runs. */
class AudioThread implements AudioThreadChannel {
  readonly worker: Worker;
  readonly calls = new Map<string, ThreadedCallAudio>();
  /** It ran (a thread that exits before is a failed start, not a crash). */
  online = false;
  readonly #requests = new Map<number, { resolve: (port: number | undefined) => void; reject: (error: Error) => void }>();
  #nextRequest = 0;

  constructor(worker: Worker) {
    this.worker = worker;
  }

  post(message: ToAudioThread): void {
    this.worker.postMessage(message);
  }

  request(message: ThreadRequest): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      const requestId = ++this.#nextRequest;
      this.#requests.set(requestId, { resolve, reject });
      this.post({ ...message, requestId });
    });
  }

  replied(message: Extract<FromAudioThread, { type: 'replied' }>): void {
    const pending = this.#requests.get(message.requestId);
    this.#requests.delete(message.requestId);
    if (message.error === undefined) pending?.resolve(message.port);
    else pending?.reject(message.busy ? new RtpPortBusyError(message.error) : new Error(message.error));
  }

  died(reason: string): void {
    for (const pending of this.#requests.values()) pending.reject(new InvalidStateError(reason));
    this.#requests.clear();
    for (const call of this.calls.values()) call.threadDied(reason);
    this.calls.clear();
  }
}

/**
 * The worker threads (node:worker_threads) that run the calls' audio engines, so calls
 * scale with cores instead of sharing the main event loop. A new call goes to the thread
 * with the fewest calls. A thread that dies ends only its own calls (their proxies report
 * `failed`) and is replaced at once; new calls go to the replacement while it starts.
 */
export class AudioThreadPool extends TypedEmitter<AudioThreadPoolEvents> {
  readonly #options: AudioThreadPoolOptions;
  readonly #data: AudioThreadData & { logFormat: LogFormat };
  readonly #threads = new Set<AudioThread>();
  readonly #respawner: Respawner;
  #closed = false;

  private constructor(options: AudioThreadPoolOptions) {
    super();
    this.#options = options;
    this.#respawner = new Respawner({
      clock: options.clock ?? systemClock,
      retryMs: RESPAWN_RETRY_MS,
      spawn: () => this.#spawn(),
      onFailure: (error) => options.logger.error({ err: error }, 'could not start a replacement audio thread; retrying'),
    });
    this.#data = {
      logLevel: options.logger.level,
      // A thread's stdout is not a terminal: decide here whether lines are pretty.
      logFormat: options.logFormat === 'auto' || options.logFormat === undefined ? (process.stdout.isTTY ? 'pretty' : 'json') : options.logFormat,
      dataDir: options.dataDir,
      speakerState: createSpeakerState(),
      microphoneEpoch: Date.now(),
      ...(options.microphoneWav && { microphoneWav: options.microphoneWav }),
    };
  }

  /** Starts `size` threads; resolves once all run. */
  static async start(options: AudioThreadPoolOptions): Promise<AudioThreadPool> {
    const pool = new AudioThreadPool(options);
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.#spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    options.logger.info({ threads: options.size }, 'audio threads started');
    return pool;
  }

  /** Calls per running thread, by thread id. */
  get load(): Map<number, number> {
    return new Map([...this.#threads].map((thread) => [thread.worker.threadId, thread.calls.size]));
  }

  /** A call's audio engine, on the thread with the fewest calls. */
  createCallAudio(callId: string, options: ThreadCallOptions): ThreadedCallAudio {
    if (this.#closed) throw new InvalidStateError('audio thread pool is closed');
    let best: AudioThread | undefined;
    for (const thread of this.#threads) if (!best || thread.calls.size < best.calls.size) best = thread;
    if (!best) throw new InvalidStateError('no audio thread is running');
    const audio = new ThreadedCallAudio(callId, best, options, this.#options.logger);
    best.calls.set(callId, audio);
    return audio;
  }

  /** The thread a call's engine runs in (diagnostics; a test ends it to prove a crash stays contained). */
  threadOf(callId: string): Worker | undefined {
    for (const thread of this.#threads) if (thread.calls.has(callId)) return thread.worker;
    return undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#respawner.close();
    const threads = [...this.#threads];
    this.#threads.clear();
    for (const thread of threads) thread.died('audio thread pool closed');
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    this.removeAllListeners();
  }

  /** Starts a thread; it takes calls at once (messages wait until it runs), resolves when it runs. */
  #spawn(): Promise<void> {
    const worker = new Worker(ENTRY, { workerData: this.#data });
    const thread = new AudioThread(worker);
    this.#threads.add(thread);
    const { threadId } = worker;
    worker.on('message', (message: FromAudioThread) => this.#onMessage(thread, message));
    worker.on('error', (error) => this.#options.logger.error({ threadId, err: error }, 'audio thread failed'));
    worker.on('exit', (code) => this.#onExit(thread, code));
    return new Promise<void>((resolve, reject) => {
      worker.once('online', () => {
        thread.online = true;
        resolve();
      });
      worker.once('exit', (code) => reject(new Error(`audio thread exited with code ${code} while starting`)));
    });
  }

  #onMessage(thread: AudioThread, message: FromAudioThread): void {
    switch (message.type) {
      case 'events':
        for (const event of message.events) {
          thread.calls.get(event.callId)?.deliver(event);
          if (event.type === 'closed') thread.calls.delete(event.callId);
        }
        return;
      case 'replied':
        thread.replied(message);
        return;
      case 'render':
        this.#options.phrases.get(message.text, message.voice).then(
          (samples) => thread.post({ type: 'rendered', requestId: message.requestId, samples: shareSamples(samples) }),
          (error: unknown) => thread.post({ type: 'rendered', requestId: message.requestId, error: error instanceof Error ? error.message : String(error) }),
        );
        return;
    }
  }

  #onExit(thread: AudioThread, code: number): void {
    if (!this.#threads.delete(thread)) return; // closed by the pool
    const calls = thread.calls.size;
    thread.died(`audio thread exited with code ${code}`);
    if (!thread.online) return; // a failed start: whoever started it retries
    this.#options.logger.error({ threadId: thread.worker.threadId, code, calls }, 'audio thread died; its calls ended, replacing it');
    this.safeEmit('threaddied', thread.worker.threadId, calls);
    this.#respawner.respawn();
  }

}
