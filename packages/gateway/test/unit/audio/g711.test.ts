import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createCodec } from '../../../src/audio/codecs/create-codec.ts';
import { G711_SILENCE, g711Decode, g711Encode } from '../../../src/audio/codecs/g711.ts';
import { UnsupportedError } from '../../../src/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'camgate-g711-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

/** Decodes all 256 codes with sox, an independent G.711 implementation. */
function soxDecode(encoding: 'u-law' | 'a-law'): Int16Array {
  const input = join(dir, `codes.${encoding}`);
  const output = join(dir, `codes.${encoding}.s16`);
  writeFileSync(input, ALL_CODES);
  execFileSync('sox', ['-D', '-t', 'raw', '-e', encoding, '-b', '8', '-r', '8000', '-c', '1', input,
    '-t', 'raw', '-e', 'signed', '-b', '16', '-L', output]);
  const bytes = readFileSync(output);
  return Int16Array.from({ length: 256 }, (_, i) => bytes.readInt16LE(2 * i));
}

describe('ITU-T G.711', () => {
  it('decodes the well-known mu-law code points', () => {
    expect(Array.from(g711Decode('mulaw', Uint8Array.of(0xff, 0x7f, 0x80, 0x00, 0xfe, 0x7e)))).toEqual([
      0, 0, 32124, -32124, 8, -8,
    ]);
  });

  it('decodes the well-known A-law code points', () => {
    expect(Array.from(g711Decode('alaw', Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a)))).toEqual([8, -8, 32256, -32256]);
  });

  it('encodes digital silence to the silence code of each law', () => {
    expect(g711Encode('mulaw', new Int16Array(3))).toEqual(Buffer.from([0xff, 0xff, 0xff]));
    expect(g711Encode('alaw', new Int16Array(3))).toEqual(Buffer.from([0xd5, 0xd5, 0xd5]));
    expect(G711_SILENCE).toEqual({ mulaw: 0xff, alaw: 0xd5 });
  });

  it.each([
    ['mulaw', 'u-law'],
    ['alaw', 'a-law'],
  ] as const)('%s decoding agrees with sox on all 256 codes', (law, encoding) => {
    expect(Array.from(g711Decode(law, ALL_CODES))).toEqual(Array.from(soxDecode(encoding)));
  });

  it.each(['mulaw', 'alaw'] as const)('%s: every code survives decode then encode', (law) => {
    const decoded = g711Decode(law, ALL_CODES);
    const reencoded = g711Encode(law, decoded);
    for (let code = 0; code < 256; code++) {
      // mu-law has two zeros (0xFF and 0x7F); both decode to 0, which encodes as 0xFF.
      const expected = law === 'mulaw' && code === 0x7f ? 0xff : code;
      expect(reencoded[code]).toBe(expected);
    }
  });

  it.each(['mulaw', 'alaw'] as const)('%s: every 16-bit input is quantised to a neighbouring level', (law) => {
    // Reconstruction levels in order; an input may be off by at most half the local step.
    const levels = [...new Set(g711Decode(law, ALL_CODES))].sort((a, b) => a - b);
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const halfStep = new Map(levels.map((level, k) => [
      level,
      Math.max((levels[k + 1] ?? level) - level, level - (levels[k - 1] ?? level)) / 2,
    ]));
    const decoded = g711Decode(law, g711Encode(law, all));
    const outliers: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const clipped = all[i]! > levels.at(-1)! || all[i]! < levels[0]!;
      if (!clipped && Math.abs(decoded[i]! - all[i]!) > halfStep.get(decoded[i]!)! + 1) outliers.push(all[i]!);
    }
    expect(outliers).toEqual([]);
  });
});

describe('createCodec', () => {
  it('makes PCMU and PCMA codecs at 8 kHz with 160-sample frames', () => {
    for (const name of ['PCMU', 'PCMA'] as const) {
      const codec = createCodec(name);
      expect([codec.name, codec.clockRate, codec.samplesPerFrame]).toEqual([name, 8000, 160]);
      const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
      const payload = codec.encode(frame);
      expect(payload.length).toBe(160);
      const decoded = codec.decode(payload);
      for (let i = 0; i < 160; i++) expect(Math.abs(decoded[i]! - frame[i]!)).toBeLessThan(300);
      codec.close();
    }
  });

  it('rejects an unknown codec name', () => {
    expect(() => createCodec('G729' as never)).toThrow(UnsupportedError);
  });

  it('G.711 concealment repeats the last frame, fading to silence within 60 ms', () => {
    const codec = createCodec('PCMU');
    codec.decode(codec.encode(new Int16Array(160).fill(10_000)));
    const concealed = [codec.conceal(), codec.conceal(), codec.conceal(), codec.conceal()];
    const peaks = concealed.map((f) => Math.max(...Array.from(f, Math.abs)));
    expect(peaks[0]).toBeGreaterThan(9000);
    expect(peaks[1]).toBeLessThan(peaks[0]!);
    expect(peaks[2]).toBeLessThan(peaks[1]!);
    expect(peaks[3]).toBe(0);
    // Every concealed frame fades monotonically: no jump at a frame border.
    expect(concealed[0]![159]).toBeGreaterThanOrEqual(concealed[1]![0]! - 100);
  });
});
