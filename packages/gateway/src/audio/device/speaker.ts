import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { rmsPercent } from '../level.ts';
import { WavFileWriter } from '../wav-file-writer.ts';

/** The camera's loudspeaker; each call that speaks through it gets its own channel. */
export interface Speaker {
  open(callId: string): SpeakerChannel;
}

/** One call's feed to the speaker. */
export interface SpeakerChannel {
  /** Plays 20 ms of the caller's voice (8 kHz), unless another call holds the speaker (then dropped). */
  play(frame: Int16Array): void;
  /** RMS level of the last frame played, percent of full scale (0 when idle). */
  readonly levelPercent: number;
  /** Releases the channel; idempotent. */
  close(): Promise<void>;
}

/** A call keeps the speaker this long after its last frame: pauses between words do not hand it over. */
export const SPEAKER_HOLD_MS = 1000;

/** Shared state of one loudspeaker: its arbitration works across the audio threads. */
export function createSpeakerState(): SharedArrayBuffer {
  return new SharedArrayBuffer(3 * BigInt64Array.BYTES_PER_ELEMENT);
}

const HOLDER = 0;
const LAST_PLAYED_AT = 1;
const NEXT_CHANNEL = 2;

/**
 * One loudspeaker, one voice: the first call that plays holds it, and other calls' frames
 * are dropped until the holder closes or has been silent for SPEAKER_HOLD_MS. Two callers
 * talking over each other through one speaker would be understood by nobody. The state
 * lives in shared memory (holder, last play, channel numbers), updated atomically, so calls
 * in different audio threads share one speaker.
 */
class SpeakerArbiter {
  readonly #state: BigInt64Array;

  constructor(
    private readonly now: () => number,
    state: SharedArrayBuffer,
  ) {
    this.#state = new BigInt64Array(state);
  }

  /** A number for a new channel, unique across threads (0 means "nobody"). */
  newChannel(): bigint {
    return Atomics.add(this.#state, NEXT_CHANNEL, 1n) + 1n;
  }

  /** May `channel` play now? Takes the speaker when it is free. */
  claim(channel: bigint): boolean {
    const now = BigInt(Math.floor(this.now()));
    for (;;) {
      const holder = Atomics.load(this.#state, HOLDER);
      if (holder !== 0n && holder !== channel && now - Atomics.load(this.#state, LAST_PLAYED_AT) < SPEAKER_HOLD_MS) return false;
      if (Atomics.compareExchange(this.#state, HOLDER, holder, channel) === holder) {
        Atomics.store(this.#state, LAST_PLAYED_AT, now);
        return true;
      }
    }
  }

  release(channel: bigint): void {
    Atomics.compareExchange(this.#state, HOLDER, channel, 0n);
  }
}

/**
 * The simulated camera has no loudspeaker: what it plays of each caller is recorded to
 * `<dataDir>/speaker/<callId>.wav` (8 kHz, 16-bit mono), one file per call; frames dropped
 * while another call holds the speaker are not in it.
 */
export class SimulatedSpeaker implements Speaker {
  readonly directory: string;
  readonly #arbiter: SpeakerArbiter;

  /** `state` (createSpeakerState) is shared by every thread's SimulatedSpeaker of one camera. */
  constructor(dataDir: string, now: () => number = Date.now, state: SharedArrayBuffer = createSpeakerState()) {
    this.directory = join(dataDir, 'speaker');
    this.#arbiter = new SpeakerArbiter(now, state);
  }

  /** Where a call's recording goes. */
  pathFor(callId: string): string {
    return join(this.directory, speakerFileName(callId));
  }

  open(callId: string): SpeakerChannel {
    mkdirSync(this.directory, { recursive: true });
    return new RecordingChannel(new WavFileWriter(this.pathFor(callId)), this.#arbiter);
  }
}

/**
 * `<callId>.wav` when the Call-ID is a plain file name. Call-IDs come from the network and
 * may hold '/', ':' or '..', so anything else is replaced and a hash keeps names unique.
 */
export function speakerFileName(callId: string): string {
  const safe = callId.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
  if (safe === callId && safe.length > 0) return `${safe}.wav`;
  const hash = createHash('sha256').update(callId).digest('hex').slice(0, 12);
  return `${safe}-${hash}.wav`;
}

class RecordingChannel implements SpeakerChannel {
  levelPercent = 0;
  readonly #id: bigint;

  constructor(
    readonly writer: WavFileWriter,
    private readonly arbiter: SpeakerArbiter,
  ) {
    this.#id = arbiter.newChannel();
  }

  play(frame: Int16Array): void {
    if (!this.arbiter.claim(this.#id)) {
      this.levelPercent = 0;
      return;
    }
    this.levelPercent = rmsPercent(frame);
    this.writer.write(frame);
  }

  close(): Promise<void> {
    this.levelPercent = 0;
    this.arbiter.release(this.#id);
    return this.writer.close();
  }
}
