import { describe, expect, it } from 'vitest';
import { downmix, encodeWav } from '../../src/services/wav-encoder.ts';

describe('WAV encoding of a recording', () => {
  it('writes a 16-bit mono PCM RIFF file at the recording rate', async () => {
    const wav = encodeWav(new Float32Array([0, 0.5, -0.5, 1, -1, 2]), 48000);
    expect(wav.type).toBe('audio/wav');
    const view = new DataView(await wav.arrayBuffer());
    const ascii = (offset: number) => String.fromCharCode(...new Uint8Array(view.buffer, offset, 4));
    expect([ascii(0), ascii(8), ascii(12), ascii(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(1); // mono
    expect(view.getUint32(24, true)).toBe(48000);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(12);
    const samples = Array.from({ length: 6 }, (_, i) => view.getInt16(44 + i * 2, true));
    // Full scale both ways; out-of-range input is clipped, not wrapped.
    expect(samples).toEqual([0, 16383, -16384, 32767, -32768, 32767]);
  });

  it('averages stereo into mono', () => {
    expect(Array.from(downmix([new Float32Array([1, 0]), new Float32Array([0, 0.5])]))).toEqual([0.5, 0.25]);
  });
});
