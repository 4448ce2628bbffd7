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
  /** Plays 20 ms of the caller's voice (8 kHz). */
  play(frame: Int16Array): void;
  /** RMS level of the last frame played, percent of full scale (0 when idle). */
  readonly levelPercent: number;
  /** Releases the channel; idempotent. */
  close(): Promise<void>;
}

/**
 * The simulated camera has no loudspeaker: what each caller says is recorded to
 * `<dataDir>/speaker/<callId>.wav` (8 kHz, 16-bit mono), one file per call.
 */
export class SimulatedSpeaker implements Speaker {
  readonly directory: string;

  constructor(dataDir: string) {
    this.directory = join(dataDir, 'speaker');
  }

  /** Where a call's recording goes. */
  pathFor(callId: string): string {
    return join(this.directory, speakerFileName(callId));
  }

  open(callId: string): SpeakerChannel {
    mkdirSync(this.directory, { recursive: true });
    return new RecordingChannel(new WavFileWriter(this.pathFor(callId)));
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

  constructor(readonly writer: WavFileWriter) {}

  play(frame: Int16Array): void {
    this.levelPercent = rmsPercent(frame);
    this.writer.write(frame);
  }

  close(): Promise<void> {
    this.levelPercent = 0;
    return this.writer.close();
  }
}
