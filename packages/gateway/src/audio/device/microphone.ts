import { readFileSync } from 'node:fs';

import type { Clock } from '../../core/clock.ts';
import { ENGINE_RATE, FRAME_MS, FRAME_SAMPLES } from '../contracts.ts';
import { PinkNoise } from '../comfort-noise.ts';
import { clampToInt16, dbfsToAmplitude, seededRandom } from '../synth.ts';
import { readWav } from '../wav.ts';

/** The camera's microphone: one device shared by every call. */
export interface Microphone {
  /** The current 20 ms of room sound (8 kHz). Every reader in the same 20 ms gets the same frame. */
  read(): Int16Array;
}

/** Room tone level (RMS, dBFS): a quiet room heard through a camera microphone. */
const ROOM_LEVEL_DBFS = -40;
/** Length of the generated loop; long enough that nobody hears it repeat. */
const LOOP_SECONDS = 30;
/** The end of the loop fades into its start over this time, so the loop point is inaudible. */
const LOOP_CROSSFADE_SECONDS = 1;

export interface SimulatedMicrophoneOptions {
  readonly clock: Clock;
  /** A WAV file to loop instead of the generated room ambience. */
  readonly wavPath?: string;
  /** When the loop started (clock time); default now. The same epoch makes the copies in several threads one microphone. */
  readonly epoch?: number;
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
    this.#epoch = options.epoch ?? options.clock.now();
    this.#loop = options.wavPath ? loopFromWav(options.wavPath) : generateRoomAmbience();
  }

  read(): Int16Array {
    const frames = this.#loop.length / FRAME_SAMPLES;
    const index = Math.floor((this.#clock.now() - this.#epoch) / FRAME_MS) % frames;
    return this.#loop.slice(index * FRAME_SAMPLES, (index + 1) * FRAME_SAMPLES);
  }
}

/**
 * A quiet room, generated: pink air noise with a brown (traffic, ventilation) rumble, its
 * level drifting slowly, and now and then a soft event — a distant car passing, a knock.
 * Deterministic (seeded), a seamless loop of whole frames.
 */
export function generateRoomAmbience(): Int16Array {
  const random = seededRandom(42);
  const total = (LOOP_SECONDS + LOOP_CROSSFADE_SECONDS) * ENGINE_RATE;
  const rms = dbfsToAmplitude(ROOM_LEVEL_DBFS) / Math.SQRT2;
  const air = new PinkNoise(rms * 0.8, 11);
  const rumble = new PinkNoise(rms, 12);
  const room = new Float64Array(total);
  let brown = 0;
  for (let i = 0; i < total; i++) {
    const t = i / ENGINE_RATE;
    // Two slow, unrelated drifts (periods of 7.3 s and 19 s): the room breathes, never steady.
    const drift = 1 + 0.25 * Math.sin((2 * Math.PI * t) / 7.3) + 0.15 * Math.sin((2 * Math.PI * t) / 19 + 1);
    brown = 0.995 * brown + 0.02 * rumble.next(); // a leaky integrator: brown noise
    room[i] = drift * (air.next() + brown * 0.6);
  }
  addSoftEvents(room, random, rms);
  // Cross-fade the tail over the head: the loop point is as smooth as the rest.
  const loop = new Int16Array(LOOP_SECONDS * ENGINE_RATE);
  const fade = LOOP_CROSSFADE_SECONDS * ENGINE_RATE;
  for (let i = 0; i < loop.length; i++) {
    const tail = i < fade ? room[loop.length + i]! : 0;
    const w = i < fade ? i / fade : 1;
    loop[i] = clampToInt16(room[i]! * w + tail * (1 - w));
  }
  return loop;
}

/** Every few seconds a soft event: a passing car (a 2-3 s swell of low noise) or a knock (a short decaying thud). */
function addSoftEvents(room: Float64Array, random: () => number, rms: number): void {
  for (let at = ENGINE_RATE * (2 + 3 * random()); at < room.length - ENGINE_RATE * 3; at += ENGINE_RATE * (3 + 5 * random())) {
    const start = Math.floor(at);
    const noise = new PinkNoise(rms * (1.5 + random()), Math.floor(random() * 1e6));
    if (random() < 0.5) {
      const length = Math.floor(ENGINE_RATE * (2 + random()));
      let low = 0;
      for (let i = 0; i < length; i++) {
        low = 0.97 * low + 0.03 * noise.next() * 4; // low-passed: a distant engine
        room[start + i]! += low * Math.sin((Math.PI * i) / length) ** 2;
      }
    } else {
      const hz = 90 + 60 * random();
      const length = Math.floor(ENGINE_RATE * 0.15);
      for (let i = 0; i < length; i++) {
        const envelope = Math.exp(-i / (ENGINE_RATE * 0.03));
        room[start + i]! += envelope * (rms * 4 * Math.sin((2 * Math.PI * hz * i) / ENGINE_RATE) + noise.next());
      }
    }
  }
}

function loopFromWav(path: string): Int16Array {
  const { samples } = readWav(readFileSync(path), ENGINE_RATE);
  // Whole frames only, at least one.
  const frames = Math.max(1, Math.floor(samples.length / FRAME_SAMPLES));
  const loop = new Int16Array(frames * FRAME_SAMPLES);
  loop.set(samples.subarray(0, loop.length));
  return loop;
}
