import type { types as ms } from 'mediasoup';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { grabStill } from './still-grabber.ts';
import type { VideoSource, VideoSourceEvents, VideoSourceState } from './video-source.ts';

/** Waits before restarting a source that went unavailable: 1 s, 2 s, 4 s … up to 30 s. */
export const RESTART_DELAYS_MS = [1000, 2000, 4000, 8000, 15_000, 30_000] as const;
/** A run that lasted this long starts the back-off again from the first delay. */
const STABLE_RUN_MS = 30_000;
/** The source keeps running this long after the last viewer left (a page reload must not restart it). */
export const DEFAULT_LINGER_MS = 10_000;

export interface VideoSupervisorOptions {
  readonly cameraId: string;
  readonly source: VideoSource;
  /** The camera's Router; after a media worker died, a new one on a live worker. */
  readonly router: () => Promise<ms.Router>;
  /** Run without viewers too (--video-always-on). */
  readonly alwaysOn: boolean;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly lingerMs?: number;
}

/**
 * Keeps one camera's video source running while it is wanted: always (--video-always-on)
 * or while anyone holds a lease (viewers, later video calls), plus a linger after the last
 * one. A source that goes unavailable (ffmpeg killed or missing, camera gone, worker
 * died) is restarted with back-off; consumers' PLI/FIR reach the source's key-frame hook.
 */
export class VideoSupervisor extends TypedEmitter<VideoSourceEvents> {
  readonly #o: VideoSupervisorOptions;
  readonly #clock: Clock;
  #leases = 0;
  #restartTimer: TimerHandle | undefined;
  #lingerTimer: TimerHandle | undefined;
  #failures = 0;
  #runningSince = 0;
  #launching = false;
  /** Stills being taken: closing ends them at once (the gateway does not wait for ffmpeg). */
  readonly #stills = new Set<AbortController>();
  #closed = false;

  constructor(options: VideoSupervisorOptions) {
    super();
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    options.source.on('state', (state) => this.#onSourceState(state));
  }

  get state(): VideoSourceState {
    return this.#o.source.state;
  }

  get alwaysOn(): boolean {
    return this.#o.alwaysOn;
  }

  get source(): VideoSource {
    return this.#o.source;
  }

  /** The camera's video Producer while the source runs. */
  get producer(): ms.Producer | undefined {
    const state = this.#o.source.state;
    return state.state === 'running' ? state.producer : undefined;
  }

  /**
   * A JPEG of the live picture while the source runs (event pictures), else undefined:
   * taking a still neither starts the source nor keeps it running.
   */
  async still(): Promise<Buffer | undefined> {
    const producer = this.producer;
    if (!producer || this.#closed) return undefined;
    const abort = new AbortController();
    this.#stills.add(abort);
    try {
      return await grabStill({ router: await this.#o.router(), producer, logger: this.#o.logger, signal: abort.signal });
    } finally {
      this.#stills.delete(abort);
    }
  }

  /** Starts an always-on source; others wait for their first lease. */
  start(): void {
    if (this.#o.alwaysOn) this.#ensureRunning();
  }

  /** Wants the video until the returned release is called (idempotent). */
  acquire(): () => void {
    this.#leases++;
    this.#clock.clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#ensureRunning();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#leases--;
      if (!this.#wanted() && !this.#closed) {
        this.#lingerTimer = this.#clock.setTimeout(() => this.#stopIfUnwanted(), this.#o.lingerMs ?? DEFAULT_LINGER_MS);
      }
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const still of this.#stills) still.abort();
    this.#clock.clearTimeout(this.#restartTimer);
    this.#clock.clearTimeout(this.#lingerTimer);
    this.#o.source.close();
    this.removeAllListeners();
  }

  #wanted(): boolean {
    return !this.#closed && (this.#o.alwaysOn || this.#leases > 0);
  }

  #stopIfUnwanted(): void {
    this.#lingerTimer = undefined;
    if (this.#wanted()) return;
    this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#o.logger.info({ cameraId: this.#o.cameraId }, 'video stopped: no viewers');
    this.#o.source.stop();
  }

  #ensureRunning(): void {
    const { state } = this.#o.source.state;
    if (this.#launching || this.#restartTimer || state === 'starting' || state === 'running') return;
    void this.#launch();
  }

  async #launch(): Promise<void> {
    this.#launching = true;
    try {
      const router = await this.#o.router();
      if (this.#wanted()) await this.#o.source.start(router);
    } catch (error) {
      this.#o.logger.error({ cameraId: this.#o.cameraId, err: error }, 'video source could not start');
      this.#scheduleRestart();
    } finally {
      this.#launching = false;
    }
  }

  #onSourceState(state: VideoSourceState): void {
    if (state.state === 'running') {
      this.#runningSince = this.#clock.now();
      this.#forwardKeyFrameRequests(state.producer);
    } else if (state.state === 'unavailable') {
      if (this.#runningSince && this.#clock.now() - this.#runningSince >= STABLE_RUN_MS) this.#failures = 0;
      this.#runningSince = 0;
      this.#scheduleRestart();
    }
    this.safeEmit('state', state);
  }

  #scheduleRestart(): void {
    if (!this.#wanted() || this.#restartTimer) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.#failures, RESTART_DELAYS_MS.length - 1)]!;
    this.#failures++;
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#wanted()) this.#ensureRunning();
    }, delay);
  }

  #forwardKeyFrameRequests(producer: ms.Producer): void {
    void producer.enableTraceEvent(['pli', 'fir']).catch(() => undefined);
    producer.on('trace', (trace) => {
      if (trace.type === 'pli' || trace.type === 'fir') this.#o.source.requestKeyFrame();
    });
  }
}
