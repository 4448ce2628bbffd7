import { readFile } from 'node:fs/promises';
import { readWav } from '../../src/audio/wav.ts';

/** Power of `hz` in `samples` (Goertzel), normalised by the block's total energy: 0..1. */
export function toneShare(samples: Int16Array, hz: number, rate = 8000): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (samples.length * energy);
}

/** RMS of samples, 0..1 of full scale. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += (s / 32768) ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** A WAV file at 8 kHz split into 100 ms blocks, for "somewhere in the recording" checks. */
export async function wavBlocks(path: string, blockMs = 100): Promise<Int16Array[]> {
  const { samples } = readWav(await readFile(path));
  const size = (8000 * blockMs) / 1000;
  const blocks: Int16Array[] = [];
  for (let i = 0; i + size <= samples.length; i += size) blocks.push(samples.subarray(i, i + size));
  return blocks;
}

/** Number of blocks where `hz` dominates (share above 0.5) and the level is audible. */
export function blocksWithTone(blocks: Int16Array[], hz: number): number {
  return blocks.filter((b) => rms(b) > 0.005 && toneShare(b, hz) > 0.5).length;
}
