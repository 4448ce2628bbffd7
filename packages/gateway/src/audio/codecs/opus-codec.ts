import { createRequire } from 'node:module';

import type OpusScript from 'opusscript';

import type { Codec } from '../contracts.ts';
import { ENGINE_RATE, FRAME_MS, FRAME_SAMPLES } from '../contracts.ts';

// opusscript is CommonJS with `export =` typings.
const OpusScriptClass = createRequire(import.meta.url)('opusscript') as typeof OpusScript;

/** RFC 7587 §4.1: the RTP clock of Opus is always 48 kHz, whatever the audio bandwidth. */
const OPUS_RATE = 48_000;
const OPUS_FRAME_SAMPLES = (OPUS_RATE * FRAME_MS) / 1000; // 960

// opus_defines.h request codes (opusscript exposes only the raw CTL call).
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_MAX_BANDWIDTH = 4004;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_SIGNAL = 4024;
const OPUS_BANDWIDTH_NARROWBAND = 1101;
const OPUS_SIGNAL_VOICE = 3001;

export interface OpusCodecOptions {
  /** Encoder bit rate; 20 kb/s leaves room for in-band FEC of narrowband speech. */
  readonly bitrate?: number;
  /** 0-10; 5 halves the encoder cost of the default 9 with no audible loss on 8 kHz speech. */
  readonly complexity?: number;
  /** Expected loss the encoder protects against with in-band FEC (the peer's decoder uses it). */
  readonly expectedLossPercent?: number;
}

/**
 * Opus (RFC 6716, RTP per RFC 7587), mono, 20 ms frames, VOIP application.
 * libopus runs at the engine's 8 kHz in both directions: an Opus stream is independent of
 * the rate either end samples at (RTP still counts 48 kHz). The encoder then codes
 * narrowband SILK, the mode whose in-band FEC protects against loss. The decoder takes
 * any packet a browser sends (fullband, 10-120 ms) and band-limits it itself before
 * decimating (CELT clears the MDCT bins above 4 kHz), so no resampler is needed on this
 * path: measured a 5 kHz tone aliases at -80 dB, and it costs a third of 48 kHz decoding
 * plus a 48 kHz <-> 8 kHz resampler.
 */
export class OpusCodec implements Codec {
  readonly name = 'opus' as const;
  readonly clockRate = OPUS_RATE;
  readonly samplesPerFrame = OPUS_FRAME_SAMPLES;
  /** Payloads that failed to decode (concealed instead). */
  decodeErrors = 0;

  readonly #opus: OpusScript;
  /** Opus PLC produces more than one frame at a time; the rest waits here for the next loss. */
  #concealed: Int16Array = new Int16Array(0);
  #closed = false;

  constructor(options: OpusCodecOptions = {}) {
    this.#opus = new OpusScriptClass(ENGINE_RATE, 1, OpusScriptClass.Application.VOIP);
    this.#opus.encoderCTL(OPUS_SET_BITRATE, options.bitrate ?? 20_000);
    this.#opus.encoderCTL(OPUS_SET_COMPLEXITY, options.complexity ?? 5);
    this.#opus.encoderCTL(OPUS_SET_MAX_BANDWIDTH, OPUS_BANDWIDTH_NARROWBAND);
    this.#opus.encoderCTL(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    this.#opus.encoderCTL(OPUS_SET_INBAND_FEC, 1);
    this.#opus.encoderCTL(OPUS_SET_PACKET_LOSS_PERC, options.expectedLossPercent ?? 10);
  }

  encode(frame: Int16Array): Buffer {
    return this.#opus.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), FRAME_SAMPLES);
  }

  /** One packet may carry up to 120 ms; the result holds all of it (a multiple of 160 samples). */
  decode(payload: Buffer): Int16Array {
    this.#concealed = new Int16Array(0);
    if (payload.length === 0) return new Int16Array(0);
    let pcm: Buffer;
    try {
      pcm = this.#opus.decode(payload);
    } catch {
      this.decodeErrors++;
      return this.conceal();
    }
    return toInt16(pcm);
  }

  /** Opus's own PLC, which extrapolates pitch and spectrum and fades over a burst. */
  conceal(): Int16Array {
    if (this.#concealed.length < FRAME_SAMPLES) {
      // opusscript has no decode(NULL, frame_size) with a frame size: an empty packet
      // makes libopus conceal a whole 60 ms, kept here for the next losses.
      this.#concealed = toInt16(this.#opus.decode(Buffer.alloc(0)));
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(this.#concealed.subarray(0, FRAME_SAMPLES));
    this.#concealed = this.#concealed.subarray(FRAME_SAMPLES);
    return frame;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#opus.delete();
  }
}

function toInt16(pcm: Buffer): Int16Array {
  // Copy into a fresh, aligned buffer: opusscript's Buffer may sit at any byte offset.
  const bytes = new Uint8Array(pcm.length & ~1);
  bytes.set(pcm.subarray(0, bytes.length));
  return new Int16Array(bytes.buffer);
}
