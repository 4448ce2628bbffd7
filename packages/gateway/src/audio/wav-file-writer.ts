import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

import { ENGINE_RATE } from './contracts.ts';
import { WAV_DATA_SIZE_OFFSET, WAV_RIFF_SIZE_OFFSET, int16ToBytes, wavHeader } from './wav.ts';

/**
 * Appends 16-bit mono audio to a WAV file as it arrives (a call's speaker recording) and
 * fixes the header's size fields on close, so the file is valid once closed and readable
 * by tolerant players even while it grows.
 */
export class WavFileWriter {
  readonly #stream: WriteStream;
  #dataBytes = 0;
  #closing: Promise<void> | undefined;

  constructor(
    readonly path: string,
    readonly sampleRate: number = ENGINE_RATE,
  ) {
    this.#stream = createWriteStream(path);
    // An error surfaces on close(); until then writes are dropped rather than throwing per frame.
    this.#stream.on('error', () => {});
    this.#stream.write(wavHeader(sampleRate, 0));
  }

  get durationMs(): number {
    return (this.#dataBytes / 2 / this.sampleRate) * 1000;
  }

  write(samples: Int16Array): void {
    if (this.#closing || samples.length === 0) return;
    // Copy: the caller may reuse its frame buffer before the stream flushes.
    this.#stream.write(Buffer.from(int16ToBytes(samples)));
    this.#dataBytes += samples.byteLength;
  }

  /** Flushes and writes the final sizes; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  async #finish(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject);
      this.#stream.end(() => resolve());
    });
    const file = await open(this.path, 'r+');
    try {
      const size = Buffer.alloc(4);
      size.writeUInt32LE(36 + this.#dataBytes);
      await file.write(size, 0, 4, WAV_RIFF_SIZE_OFFSET);
      size.writeUInt32LE(this.#dataBytes);
      await file.write(size, 0, 4, WAV_DATA_SIZE_OFFSET);
    } finally {
      await file.close();
    }
  }
}
