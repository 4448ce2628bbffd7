/**
 * ITU-T G.711 companding (mu-law for PCMU, A-law for PCMA), table-driven.
 * The tables are built once from the G.711 segment rules, so encoding a sample is one
 * array lookup. Values match the classic Sun/CCITT reference implementation (g711.c):
 * mu-law with bias 0x84 and clip 32635; A-law with even-bit inversion (XOR 0x55).
 */

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

function linearToMulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = sample < 0 ? -sample : sample;
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

function linearToAlaw(sample: number): number {
  // A-law works on 13-bit magnitudes; the sign bit is 1 for positive values.
  const sign = sample >= 0 ? 0x80 : 0;
  let magnitude = sample >= 0 ? sample : -sample - 1;
  if (magnitude > 0x7fff) magnitude = 0x7fff;
  let code: number;
  if (magnitude < 256) {
    code = magnitude >> 4;
  } else {
    let exponent = 1;
    while (exponent < 7 && magnitude >= 256 << exponent) exponent++;
    code = (exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0f);
  }
  return (sign | code) ^ 0x55;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = encode(i - 32768);
  return table;
}

function buildDecodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = decode(i);
  return table;
}

const MULAW_ENCODE = buildEncodeTable(linearToMulaw);
const MULAW_DECODE = buildDecodeTable(mulawToLinear);
const ALAW_ENCODE = buildEncodeTable(linearToAlaw);
const ALAW_DECODE = buildDecodeTable(alawToLinear);

export type G711Law = 'mulaw' | 'alaw';

const TABLES: Record<G711Law, { encode: Uint8Array; decode: Int16Array }> = {
  mulaw: { encode: MULAW_ENCODE, decode: MULAW_DECODE },
  alaw: { encode: ALAW_ENCODE, decode: ALAW_DECODE },
};

/** The code of digital silence: what a G.711 payload of zeros is not. */
export const G711_SILENCE: Record<G711Law, number> = { mulaw: 0xff, alaw: 0xd5 };

export function g711Encode(law: G711Law, samples: Int16Array): Buffer {
  const table = TABLES[law].encode;
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[samples[i]! + 32768]!;
  return out;
}

export function g711Decode(law: G711Law, payload: Uint8Array): Int16Array {
  const table = TABLES[law].decode;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}
