import { readFileSync } from 'node:fs';

import type { Clock } from '../../core/clock.ts';
import { ENGINE_RATE, FRAME_MS, FRAME_SAMPLES } from '../contracts.ts';
import { clampToInt16, dbfsToAmplitude, gaussianNoise, seededRandom, synthesizeTone } from '../synth.ts';
import { readWav } from '../wav.ts';

/** The camera's microphone: one device shared by every call. */
export interface Microphone {
  /** The current 20 ms of room sound (8 kHz). Every reader in the same 20 ms gets the same frame. */
  read(): Int16Array;
}

/**
 * The room hum of the simulated camera: 1000 Hz, chosen because 20 ms hold exactly 20
 * cycles, so the hum is seamless at every frame border and tests can recognise it.
 */
export const SIMULATED_ROOM_HUM_HZ = 1000;
const HUM_LEVEL_DBFS = -20;
const NOISE_LEVEL_DBFS = -50;
const LOOP_FRAMES = 50; // 1 s

export interface SimulatedMicrophoneOptions {
  readonly clock: Clock;
  /** A WAV file to loop instead of the generated room hum. */
  readonly wavPath?: string;
}

/**
 * A looped recording played in real time. Which frame is "now" follows the clock, like
 * a real microphone: two calls reading in the same 20 ms hear the same sound, and a call
 * that reads twice within 20 ms gets the same frame twice instead of advancing the loop.
 */
export class SimulatedMicrophone implements Microphone {
  readonly #loop: Int16Array;
  readonly #clock: Clock;
  readonly #epoch: number;

  constructor(options: SimulatedMicrophoneOptions) {
    this.#clock = options.clock;
    this.#epoch = options.clock.now();
    this.#loop = options.wavPath ? loopFromWav(options.wavPath) : generateRoomHum();
  }

  read(): Int16Array {
    const frames = this.#loop.length / FRAME_SAMPLES;
    const index = Math.floor((this.#clock.now() - this.#epoch) / FRAME_MS) % frames;
    return this.#loop.slice(index * FRAME_SAMPLES, (index + 1) * FRAME_SAMPLES);
  }
}

function generateRoomHum(): Int16Array {
  const samples = LOOP_FRAMES * FRAME_SAMPLES;
  const hum = synthesizeTone([{ frequencyHz: SIMULATED_ROOM_HUM_HZ, amplitude: dbfsToAmplitude(HUM_LEVEL_DBFS) }], samples);
  const noise = gaussianNoise(samples, dbfsToAmplitude(NOISE_LEVEL_DBFS), seededRandom(42));
  for (let i = 0; i < samples; i++) hum[i] = clampToInt16(hum[i]! + noise[i]!);
  return hum;
}

function loopFromWav(path: string): Int16Array {
  const { samples } = readWav(readFileSync(path), ENGINE_RATE);
  // Whole frames only, at least one.
  const frames = Math.max(1, Math.floor(samples.length / FRAME_SAMPLES));
  const loop = new Int16Array(frames * FRAME_SAMPLES);
  loop.set(samples.subarray(0, loop.length));
  return loop;
}
