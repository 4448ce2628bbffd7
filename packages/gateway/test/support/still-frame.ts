/**
 * Reads a still of the simulated scene outside a browser (a SIP phone's saved frame, an
 * event picture): luma pixels via ffmpeg, the picture's spread and its timestamp strip.
 */
import { execFileSync } from 'node:child_process';
import { SCENE_HEIGHT, TIMESTAMP_BITS, TIMESTAMP_BLOCK } from '../../src/media/video/simulated-scene.ts';

/** An image (PNG, JPEG) as 8-bit luma (ffmpeg decodes it): width, height, pixels. */
export function lumaOf(image: Buffer): { width: number; height: number; pixels: Buffer } {
  const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-'], { input: image, encoding: 'utf8' });
  const [width, height] = probe.trim().split(',').map(Number) as [number, number];
  const pixels = execFileSync('ffmpeg', ['-v', 'error', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { input: image, maxBuffer: 16 * 1024 * 1024 });
  return { width, height, pixels };
}

/** The scene's capture time from the timestamp strip along the bottom (scaled when the phone decoded another size). */
export function burntInTimestamp({ width, height, pixels }: ReturnType<typeof lumaOf>): number {
  const scale = height / SCENE_HEIGHT;
  const y = Math.round(height - (TIMESTAMP_BLOCK * scale) / 2);
  let timestamp = 0;
  for (let bit = 0; bit < TIMESTAMP_BITS; bit++) {
    const x = Math.round((bit * TIMESTAMP_BLOCK + TIMESTAMP_BLOCK / 2) * scale);
    timestamp = timestamp * 2 + (pixels[y * width + x]! > 128 ? 1 : 0);
  }
  return timestamp;
}

export function lumaSpread(pixels: Buffer): number {
  let sum = 0;
  let squares = 0;
  for (const p of pixels) {
    sum += p;
    squares += p * p;
  }
  const mean = sum / pixels.length;
  return Math.sqrt(squares / pixels.length - mean * mean);
}

