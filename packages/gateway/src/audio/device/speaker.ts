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

/**
 * One loudspeaker, one voice: the first call that plays holds it, and other calls' frames
 * are dropped until the holder closes or has been silent for SPEAKER_HOLD_MS. Two callers
 * talking over each other through one speaker would be understood by nobody.
 */
class SpeakerArbiter {
  #holder: SpeakerChannel | null = null;
  #lastPlayedAt = 0;

  constructor(private readonly now: () => number) {}

  /** May `channel` play now? Takes the speaker when it is free. */
  claim(channel: SpeakerChannel): boolean {
    const now = this.now();
    if (this.#holder !== null && this.#holder !== channel && now - this.#lastPlayedAt < SPEAKER_HOLD_MS) return false;
    this.#holder = channel;
    this.#lastPlayedAt = now;
    return true;
  }

  release(channel: SpeakerChannel): void {
    if (this.#holder === channel) this.#holder = null;
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

  constructor(dataDir: string, now: () => number = Date.now) {
    this.directory = join(dataDir, 'speaker');
    this.#arbiter = new SpeakerArbiter(now);
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

  constructor(
    readonly writer: WavFileWriter,
    private readonly arbiter: SpeakerArbiter,
  ) {}

  play(frame: Int16Array): void {
    if (!this.arbiter.claim(this)) {
      this.levelPercent = 0;
      return;
    }
    this.levelPercent = rmsPercent(frame);
    this.writer.write(frame);
  }

  close(): Promise<void> {
    this.levelPercent = 0;
    this.arbiter.release(this);
    return this.writer.close();
  }
}
