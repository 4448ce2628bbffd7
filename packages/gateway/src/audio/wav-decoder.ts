import { Worker } from 'node:worker_threads';
import { ValidationError } from '../core/errors.ts';
import { ENGINE_RATE } from './contracts.ts';
import type { WavInfo } from './wav.ts';
import type { WavJob, WavJobResult } from './wav-worker.ts';

/** Uploads decoded at once; more wait their turn (each decode holds a file and its samples). */
export const MAX_PARALLEL_WAV_DECODES = 2;
/** A decode still running after this is stopped (a 10 MB file takes a few seconds). */
export const WAV_DECODE_TIMEOUT_MS = 60_000;

const WORKER_URL = new URL('./wav-worker-entry.mjs', import.meta.url);

/**
 * Decodes and resamples uploaded WAV files on worker threads (one per file), off the event
 * loop. Bad files reject with the same ValidationError as readWav.
 */
export class WavDecoder {
  readonly #running = new Set<Worker>();
  readonly #waiting: (() => void)[] = [];
  #closed = false;

  async decode(file: Buffer, rate: number = ENGINE_RATE): Promise<{ samples: Int16Array; info: WavInfo }> {
    if (this.#running.size >= MAX_PARALLEL_WAV_DECODES) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#closed) throw new Error('WAV decoder closed');
    const job: WavJob = { file, rate };
    const worker = new Worker(WORKER_URL, { workerData: job });
    this.#running.add(worker);
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new ValidationError('wav', `decoding took longer than ${WAV_DECODE_TIMEOUT_MS / 1000} s`));
          void worker.terminate();
        }, WAV_DECODE_TIMEOUT_MS);
        worker.once('message', (result: WavJobResult) => {
          clearTimeout(timer);
          if (result.ok) resolve({ samples: result.samples, info: result.info });
          else reject(result.invalid ? new ValidationError('wav', result.message) : new Error(`WAV decoding failed: ${result.message}`));
        });
        worker.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        worker.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`WAV decoder stopped (exit code ${code})`));
        });
      });
    } finally {
      this.#running.delete(worker);
      void worker.terminate();
      this.#waiting.shift()?.();
    }
  }

  /** Stops running decodes; waiting ones reject. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
    await Promise.all([...this.#running].map((worker) => worker.terminate()));
  }
}
