import { afterAll, describe, expect, it } from 'vitest';
import { WavDecoder } from '../../../src/audio/wav-decoder.ts';
import { readWav } from '../../../src/audio/wav.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { stereoToneWav as toneWav } from './stereo-wav.ts';

describe('WavDecoder: uploads decoded on a worker thread', () => {
  const decoder = new WavDecoder();
  afterAll(() => decoder.close());

  it('gives the same samples as readWav', async () => {
    const file = toneWav(1);
    const decoded = await decoder.decode(file);
    expect(decoded.info).toMatchObject({ sampleRate: 44_100, channels: 2, frames: 44_100 });
    expect(Array.from(decoded.samples)).toEqual(Array.from(readWav(file).samples));
  });

  it('the event loop keeps serving while a 10 MB upload is decoded', async () => {
    const file = toneWav(59); // 10.4 MB, the upload limit
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const decoding = decoder.decode(file);
      const decoded = await decoding;
      expect(decoded.samples.length).toBe(59 * 8000);
      // Decoding on this thread would run to its end before any timer fires.
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });

  it('a bad file rejects with a ValidationError saying what is wrong', async () => {
    await expect(decoder.decode(Buffer.from('RIFF....WAVEjunk'))).rejects.toThrow(ValidationError);
    await expect(decoder.decode(Buffer.from('not a wav at all'))).rejects.toThrow(/not a RIFF\/WAVE file/);
  });

  it('after close() no decode runs', async () => {
    const closing = new WavDecoder();
    await closing.close();
    await expect(closing.decode(toneWav(0.1))).rejects.toThrow(/closed/);
  });
});
