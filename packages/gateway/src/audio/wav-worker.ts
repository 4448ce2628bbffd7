/**
 * Worker thread body of wav-decoder.ts: decodes and resamples one WAV file, so a large upload
 * never blocks the gateway's event loop (signalling, media timers, HTTP).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ValidationError } from '../core/errors.ts';
import { readWav } from './wav.ts';

export interface WavJob {
  file: Uint8Array;
  rate: number;
}

export type WavJobResult =
  | { ok: true; samples: Int16Array; info: ReturnType<typeof readWav>['info'] }
  | { ok: false; invalid: boolean; message: string };

const { file, rate } = workerData as WavJob;
let result: WavJobResult;
try {
  const decoded = readWav(Buffer.from(file.buffer, file.byteOffset, file.byteLength), rate);
  result = { ok: true, samples: decoded.samples, info: decoded.info };
} catch (error) {
  // Only the reason crosses the thread: the decoder rebuilds a ValidationError for bad files.
  result = { ok: false, invalid: error instanceof ValidationError, message: error instanceof ValidationError ? error.message.replace(/^wav: /, '') : String(error) };
}
parentPort!.postMessage(result, result.ok ? [result.samples.buffer as ArrayBuffer] : []);
