/**
 * The contract between the media layer (mediasoup, RTP) and the camera's audio engine.
 * Audio inside the engine is 8 kHz mono signed 16-bit PCM in 20 ms frames: telephony
 * quality is what a door intercom needs, and it is the rate DTMF detection works at.
 */
export const ENGINE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (ENGINE_RATE * FRAME_MS) / 1000; // 160

export type CodecName = 'PCMU' | 'PCMA' | 'opus';

/** A payload codec as negotiated in SDP; converts between RTP payloads and engine frames. */
export interface Codec {
  readonly name: CodecName;
  /** RTP clock rate (8000 for G.711, 48000 for Opus). */
  readonly clockRate: number;
  /** RTP timestamp increment per 20 ms frame. */
  readonly samplesPerFrame: number;
  encode(frame: Int16Array): Buffer;
  /** Decodes one payload to engine frames (an Opus packet may hold several 20 ms frames). */
  decode(payload: Buffer): Int16Array;
  /** A frame to play in place of a lost packet (packet loss concealment). */
  conceal(): Int16Array;
  close(): void;
}

/** Where the media layer delivers the caller's decoded audio, one frame every 20 ms. */
export interface CallerAudioSink {
  pushCallerFrame(frame: Int16Array): void;
}

/** Where the media layer takes the next 20 ms the caller should hear. */
export interface CallerAudioSource {
  pullFrame(): Int16Array;
}

/** A caller's audio endpoint on the camera: both directions of one call. */
export interface CallAudioPort extends CallerAudioSink, CallerAudioSource {}
