import { ValidationError } from '../core/errors.ts';
import { FRAME_MS } from './contracts.ts';

/**
 * Half-duplex switching of the Intercom mode (help page "Intercom Settings"): while the
 * caller's level is above the threshold, the caller is put on the camera speaker and the
 * camera microphone is muted, so the speaker cannot echo back through the microphone.
 * The microphone stays muted for at least the cycle time after the caller goes quiet.
 * Time is counted in frames: one update per 20 ms caller frame.
 */
export type IntercomDirection = 'room-to-caller' | 'caller-to-room';

export interface IntercomSettings {
  /** Caller level, percent of full scale RMS, above which the microphone is muted. */
  readonly thresholdPercent: number;
  /** Minimum time the microphone stays muted once the caller spoke. */
  readonly cycleTimeMs: number;
}

export class IntercomGate {
  #direction: IntercomDirection = 'room-to-caller';
  #thresholdPercent = 0;
  #holdFrames = 0;
  #remaining = 0;

  constructor(settings: IntercomSettings) {
    this.configure(settings);
  }

  get direction(): IntercomDirection {
    return this.#direction;
  }

  configure(settings: IntercomSettings): void {
    if (!(settings.thresholdPercent >= 0 && settings.thresholdPercent <= 100)) {
      throw new ValidationError('thresholdPercent', 'must be 0 to 100');
    }
    if (!(settings.cycleTimeMs >= 0)) throw new ValidationError('cycleTimeMs', 'must not be negative');
    this.#thresholdPercent = settings.thresholdPercent;
    this.#holdFrames = Math.ceil(settings.cycleTimeMs / FRAME_MS);
  }

  /** Feeds one caller frame's level; returns the direction for this frame. */
  update(callerLevelPercent: number): IntercomDirection {
    if (callerLevelPercent > this.#thresholdPercent) {
      this.#direction = 'caller-to-room';
      this.#remaining = this.#holdFrames;
    } else if (this.#direction === 'caller-to-room' && this.#remaining-- <= 0) {
      // The cycle time has passed in full since the caller's last loud frame.
      this.#direction = 'room-to-caller';
    }
    return this.#direction;
  }

  /** Back to the microphone (e.g. when Intercom mode is entered). */
  reset(): void {
    this.#direction = 'room-to-caller';
    this.#remaining = 0;
  }
}
