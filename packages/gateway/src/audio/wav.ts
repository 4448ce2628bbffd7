import { ValidationError } from '../core/errors.ts';
import { resample } from './codecs/resample.ts';
import { ENGINE_RATE } from './contracts.ts';
import { clampToInt16 } from './synth.ts';

/**
 * RIFF/WAVE PCM files: reading any common PCM or float layout into mono 16-bit audio,
 * and writing 16-bit mono files. Files come from users (uploaded messages), so every
 * field is validated and a bad file gets an error that says what is wrong.
 */

const FORMAT_PCM = 1;
const FORMAT_IEEE_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const HEADER_BYTES = 44;
const MAX_CHANNELS = 8;

export interface WavInfo {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly encoding: 'pcm' | 'float';
  /** Sample frames (one sample per channel) in the file. */
  readonly frames: number;
}

export interface DecodedWav {
  readonly info: WavInfo;
  /** Mono (channels averaged), 16-bit, at `info.sampleRate`. */
  readonly samples: Int16Array;
}

function invalid(message: string): ValidationError {
  return new ValidationError('wav', message);
}

function parseFormat(chunk: Buffer): Omit<WavInfo, 'frames'> & { blockAlign: number } {
  if (chunk.length < 16) throw invalid(`fmt chunk is ${chunk.length} bytes, needs 16`);
  let formatTag = chunk.readUInt16LE(0);
  const channels = chunk.readUInt16LE(2);
  const sampleRate = chunk.readUInt32LE(4);
  const blockAlign = chunk.readUInt16LE(12);
  const bitsPerSample = chunk.readUInt16LE(14);
  if (formatTag === FORMAT_EXTENSIBLE) {
    if (chunk.length < 40) throw invalid('WAVE_FORMAT_EXTENSIBLE fmt chunk is too short');
    formatTag = chunk.readUInt16LE(24); // first two bytes of the SubFormat GUID
  }
  let encoding: 'pcm' | 'float';
  if (formatTag === FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) encoding = 'pcm';
  else if (formatTag === FORMAT_IEEE_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64)) encoding = 'float';
  else throw invalid(`unsupported encoding (format ${formatTag}, ${bitsPerSample} bits); use PCM 8/16/24/32-bit or float`);
  if (channels < 1 || channels > MAX_CHANNELS) throw invalid(`unsupported channel count ${channels}`);
  if (sampleRate < 1000 || sampleRate > 384_000) throw invalid(`unsupported sample rate ${sampleRate} Hz`);
  if (blockAlign !== channels * (bitsPerSample / 8)) {
    throw invalid(`block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits`);
  }
  return { sampleRate, channels, bitsPerSample, encoding, blockAlign };
}

function sampleReader(encoding: 'pcm' | 'float', bits: number): (data: Buffer, offset: number) => number {
  // Each reader returns a value scaled to 16-bit full scale.
  if (encoding === 'float') {
    return bits === 32 ? (d, o) => d.readFloatLE(o) * 32768 : (d, o) => d.readDoubleLE(o) * 32768;
  }
  switch (bits) {
    case 8:
      return (d, o) => (d[o]! - 128) * 256; // 8-bit WAV is unsigned
    case 16:
      return (d, o) => d.readInt16LE(o);
    case 24:
      return (d, o) => d.readIntLE(o, 3) / 256;
    default:
      return (d, o) => d.readInt32LE(o) / 65536;
  }
}

/** Parses a WAV file into mono 16-bit samples at the file's own rate. */
export function decodeWav(file: Buffer): DecodedWav {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    throw invalid('not a RIFF/WAVE file');
  }
  let format: ReturnType<typeof parseFormat> | undefined;
  let data: Buffer | undefined;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const id = file.toString('latin1', offset, offset + 4);
    const declared = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    // Writers that could not seek back leave the size at 0 or 0xFFFFFFFF: take what is there.
    const size = Math.min(declared, file.length - body);
    if (id === 'fmt ') format = parseFormat(file.subarray(body, body + size));
    else if (id === 'data') {
      data = file.subarray(body, body + (declared === 0 ? file.length - body : size));
      if (format) break;
    }
    offset = body + size + (size & 1); // chunks are padded to even sizes
  }
  if (!format) throw invalid('missing fmt chunk');
  if (!data) throw invalid('missing data chunk');
  const frames = Math.floor(data.length / format.blockAlign);
  const bytesPerSample = format.bitsPerSample / 8;
  const read = sampleReader(format.encoding, format.bitsPerSample);
  const samples = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    const base = frame * format.blockAlign;
    for (let ch = 0; ch < format.channels; ch++) sum += read(data, base + ch * bytesPerSample);
    const value = sum / format.channels;
    samples[frame] = Number.isFinite(value) ? clampToInt16(value) : 0;
  }
  const { blockAlign: _blockAlign, ...info } = format;
  return { info: { ...info, frames }, samples };
}

/** Reads a WAV file as mono 16-bit audio at `rate` (default: the engine's 8 kHz). */
export function readWav(file: Buffer, rate: number = ENGINE_RATE): { samples: Int16Array; info: WavInfo } {
  const decoded = decodeWav(file);
  return { samples: resample(decoded.samples, decoded.info.sampleRate, rate), info: decoded.info };
}

/** The 44-byte header of a 16-bit mono PCM file holding `dataBytes` bytes of samples. */
export function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_PCM, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** Encodes 16-bit mono samples as a WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number = ENGINE_RATE): Buffer {
  return Buffer.concat([wavHeader(sampleRate, samples.byteLength), int16ToBytes(samples)]);
}

/** Little-endian bytes of samples (a view, no copy). */
export function int16ToBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Byte offsets of the two size fields a streaming writer fixes on close. */
export const WAV_RIFF_SIZE_OFFSET = 4;
export const WAV_DATA_SIZE_OFFSET = 40;
