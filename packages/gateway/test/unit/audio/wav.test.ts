import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { WavFileWriter } from '../../../src/audio/wav-file-writer.ts';
import { decodeWav, encodeWav, readWav } from '../../../src/audio/wav.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { dominantFrequency, toneAmplitude } from '../../support/tone.ts';

const dir = mkdtempSync(join(tmpdir(), 'camgate-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 0.5 s 1 kHz sine at half scale, made by sox in the requested layout. */
function soxWav(name: string, args: string[]): Buffer {
  const path = join(dir, name);
  execFileSync('sox', ['-D', '-n', ...args, path, 'synth', '0.5', 'sine', '1000', 'vol', '0.5']);
  return readFileSync(path);
}

describe('reading WAV files made by sox', () => {
  const layouts: [string, string[], { bits: number; encoding: 'pcm' | 'float'; channels: number; rate: number }][] = [
    ['8-bit unsigned', ['-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned-integer'], { bits: 8, encoding: 'pcm', channels: 1, rate: 8000 }],
    ['16-bit', ['-r', '8000', '-c', '1', '-b', '16'], { bits: 16, encoding: 'pcm', channels: 1, rate: 8000 }],
    ['24-bit 44.1 kHz', ['-r', '44100', '-c', '1', '-b', '24'], { bits: 24, encoding: 'pcm', channels: 1, rate: 44_100 }],
    ['32-bit integer 48 kHz', ['-r', '48000', '-c', '1', '-b', '32', '-e', 'signed-integer'], { bits: 32, encoding: 'pcm', channels: 1, rate: 48_000 }],
    ['32-bit float 16 kHz', ['-r', '16000', '-c', '1', '-b', '32', '-e', 'floating-point'], { bits: 32, encoding: 'float', channels: 1, rate: 16_000 }],
    ['64-bit float', ['-r', '8000', '-c', '1', '-b', '64', '-e', 'floating-point'], { bits: 64, encoding: 'float', channels: 1, rate: 8000 }],
    ['16-bit stereo 22.05 kHz', ['-r', '22050', '-c', '2', '-b', '16'], { bits: 16, encoding: 'pcm', channels: 2, rate: 22_050 }],
    ['24-bit 6-channel (WAVE_FORMAT_EXTENSIBLE)', ['-r', '48000', '-c', '6', '-b', '24'], { bits: 24, encoding: 'pcm', channels: 6, rate: 48_000 }],
  ];

  it.each(layouts)('%s -> 8 kHz mono with the 1 kHz tone at half scale', (label, args, expected) => {
    const file = soxWav(`${label.replace(/\W+/g, '_')}.wav`, ['-t', 'wav', ...args]);
    const { samples, info } = readWav(file);
    expect(info).toMatchObject({ bitsPerSample: expected.bits, encoding: expected.encoding, channels: expected.channels, sampleRate: expected.rate });
    expect(info.frames).toBe(expected.rate / 2);
    expect(samples.length).toBe(4000);
    const middle = samples.subarray(400, 3600);
    expect(dominantFrequency(middle, 900, 1100)).toBe(1000);
    // 8-bit quantisation costs a little; everything else is exact to well under 1%.
    expect(toneAmplitude(middle, 1000) / 16384).toBeCloseTo(1, 1);
  });

  it('keeps the native rate when asked', () => {
    const { samples } = readWav(soxWav('native.wav', ['-t', 'wav', '-r', '16000', '-c', '1', '-b', '16']), 16_000);
    expect(samples.length).toBe(8000);
  });

  it('tolerates a streaming writer that never fixed its sizes (0xFFFFFFFF)', () => {
    const file = encodeWav(new Int16Array(800).fill(1000));
    file.writeUInt32LE(0xffffffff, 4);
    file.writeUInt32LE(0xffffffff, 40);
    expect(decodeWav(file).samples.length).toBe(800);
  });

  it('skips unknown chunks (LIST metadata) and odd-sized padding', () => {
    const base = encodeWav(Int16Array.of(1, 2, 3));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const file = Buffer.concat([base.subarray(0, 36), list, base.subarray(36)]);
    expect(Array.from(decodeWav(file).samples)).toEqual([1, 2, 3]);
  });
});

describe('rejecting bad files with a clear error', () => {
  const bad: [string, () => Buffer, RegExp][] = [
    ['an empty file', () => Buffer.alloc(0), /not a RIFF\/WAVE file/],
    ['an MP3 or text', () => Buffer.from('ID3\u0004this is not audio at all'), /not a RIFF\/WAVE file/],
    ['a header cut short', () => encodeWav(new Int16Array(10)).subarray(0, 30), /fmt chunk/],
    ['no data chunk', () => encodeWav(new Int16Array(0)).subarray(0, 36), /missing data chunk/],
    ['mu-law WAV', () => soxWav('ulaw.wav', ['-t', 'wav', '-r', '8000', '-c', '1', '-e', 'u-law']), /unsupported encoding/],
    ['IMA ADPCM', () => soxWav('adpcm.wav', ['-t', 'wav', '-r', '8000', '-c', '1', '-e', 'ima-adpcm']), /unsupported encoding/],
    ['zero channels', () => {
      const f = encodeWav(new Int16Array(10));
      f.writeUInt16LE(0, 22);
      return f;
    }, /channel count 0|block align/],
    ['an absurd sample rate', () => {
      const f = encodeWav(new Int16Array(10));
      f.writeUInt32LE(5, 24);
      return f;
    }, /sample rate 5/],
  ];

  it.each(bad)('%s', (_label, make, message) => {
    const file = make();
    expect(() => readWav(file)).toThrow(ValidationError);
    expect(() => readWav(file)).toThrow(message);
  });
});

describe('writing WAV files', () => {
  it('encodeWav writes 16-bit mono that sox reads back', () => {
    const path = join(dir, 'written.wav');
    const samples = Int16Array.from({ length: 8000 }, (_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    writeFileSync(path, encodeWav(samples));
    expect(execFileSync('soxi', ['-r', path]).toString().trim()).toBe('8000');
    expect(execFileSync('soxi', ['-s', path]).toString().trim()).toBe('8000');
  });

  it('WavFileWriter streams frames and fixes the header on close (close is idempotent)', async () => {
    const path = join(dir, 'stream.wav');
    const writer = new WavFileWriter(path);
    const frame = new Int16Array(160).fill(1234);
    for (let i = 0; i < 50; i++) writer.write(frame);
    frame.fill(0); // the writer copied what it was given
    expect(writer.durationMs).toBe(1000);
    await Promise.all([writer.close(), writer.close()]);
    writer.write(frame); // ignored after close
    const file = readFileSync(path);
    expect(file.readUInt32LE(4)).toBe(36 + 16_000);
    expect(file.readUInt32LE(40)).toBe(16_000);
    const { samples } = decodeWav(file);
    expect(samples.length).toBe(8000);
    expect(samples.every((v) => v === 1234)).toBe(true);
    expect(execFileSync('soxi', ['-D', path]).toString().trim()).toBe('1.000000');
  });
});
