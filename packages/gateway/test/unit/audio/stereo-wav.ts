/** A 16-bit PCM WAV of `seconds` of a 440 Hz tone, 44.1 kHz stereo: about 10 MB per minute (an upload as phones record them). */
export function stereoToneWav(seconds: number): Buffer {
  const rate = 44_100;
  const frames = Math.floor(seconds * rate);
  const file = Buffer.alloc(44 + frames * 4);
  file.write('RIFF', 0, 'latin1');
  file.writeUInt32LE(36 + frames * 4, 4);
  file.write('WAVEfmt ', 8, 'latin1');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20);
  file.writeUInt16LE(2, 22);
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(rate * 4, 28);
  file.writeUInt16LE(4, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'latin1');
  file.writeUInt32LE(frames * 4, 40);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    file.writeInt16LE(v, 44 + i * 4);
    file.writeInt16LE(v, 46 + i * 4);
  }
  return file;
}
