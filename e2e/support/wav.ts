/** Writes test tones as WAV files: the browser's fake microphone and the camera's microphone. */
import fs from 'node:fs';

export interface Tone {
  frequencyHz: number;
  seconds: number;
  /** Peak amplitude, 0..1 of full scale. */
  amplitude: number;
  sampleRate: number;
}

export function writeToneWav(file: string, tone: Tone): void {
  fs.writeFileSync(file, toneWav(tone));
}

/** A 16-bit mono PCM WAV holding one sine tone. */
export function toneWav(tone: Tone): Buffer {
  const samples = Math.round(tone.seconds * tone.sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const value = tone.amplitude * Math.sin((2 * Math.PI * tone.frequencyHz * i) / tone.sampleRate);
    data.writeInt16LE(Math.round(value * 0x7fff), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(tone.sampleRate, 24);
  header.writeUInt32LE(tone.sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
