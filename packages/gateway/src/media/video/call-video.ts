import type { types as ms } from 'mediasoup';
import type { Logger } from '../../core/logger.ts';
import type { SourceCodec } from '../sdp/video-offer.ts';
import type { VideoSourceState } from './video-source.ts';
import { StableVideoRelay } from './stable-video-relay.ts';
import type { VideoSupervisor } from './video-supervisor.ts';

/** How long a call's answer waits for a stopped source to start (the simulated scene takes well under 1 s). */
export const CALL_VIDEO_START_TIMEOUT_MS = 4000;

export interface CallVideoOptions {
  readonly callId: string;
  readonly supervisor: VideoSupervisor;
  /** The camera's Router (the caller's transport is on it). */
  readonly router: ms.Router;
  readonly logger: Logger;
  readonly startTimeoutMs?: number;
}

/**
 * A call's share of the camera's video: a viewer lease on the supervisor for the call's
 * lifetime and one Consumer on the caller's transport (the leg decides how: `attach`) of a
 * StableVideoRelay, so a source that dies and comes back plays again under the SSRC the
 * answer announced, by itself, while the audio goes on.
 */
export class CallVideo {
  readonly #o: CallVideoOptions;
  readonly #release: () => void;
  readonly #onState: (state: VideoSourceState) => void;
  #consume: ((producer: ms.Producer) => Promise<ms.Consumer>) | undefined;
  #codec: SourceCodec | undefined;
  #consumer: ms.Consumer | undefined;
  #relay: Promise<StableVideoRelay> | undefined;
  #closed = false;

  private constructor(options: CallVideoOptions) {
    this.#o = options;
    this.#release = options.supervisor.acquire();
    this.#onState = (state) => {
      if (state.state === 'running') void this.#consumeFrom(state.producer);
      else if (state.state === 'unavailable') this.#o.logger.info({ callId: options.callId, reason: state.reason }, 'call video unavailable');
    };
    options.supervisor.on('state', this.#onState);
  }

  /** Takes the lease and waits (bounded) until the source runs or says why it cannot. */
  static async open(options: CallVideoOptions): Promise<CallVideo> {
    const video = new CallVideo(options);
    await video.#settled(options.startTimeoutMs ?? CALL_VIDEO_START_TIMEOUT_MS);
    return video;
  }

  /** The Consumer towards the caller now (its SSRC goes into the answer). */
  get consumer(): ms.Consumer | undefined {
    return this.#consumer;
  }

  /** The source's Producer while it runs. */
  get producer(): ms.Producer | undefined {
    return this.#o.supervisor.producer;
  }

  /** Why there is no picture now ('' while the source runs). */
  get unavailableReason(): string {
    const state = this.#o.supervisor.state;
    if (state.state === 'running') return '';
    if (state.state === 'unavailable') return state.reason;
    return state.state === 'starting' ? 'the camera video is still starting' : 'the camera video is stopped';
  }

  /**
   * Relays the running source as `codec` (the Router codec of the format the caller took) and
   * has `consume` take the relay's producer once; each later run of the source feeds it.
   */
  async attach(codec: SourceCodec, consume: (producer: ms.Producer) => Promise<ms.Consumer>): Promise<void> {
    this.#codec = codec;
    this.#consume = consume;
    const producer = this.producer;
    if (producer) await this.#consumeFrom(producer);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.supervisor.off('state', this.#onState);
    this.#consumer?.close();
    void this.#relay?.then((relay) => relay.close()).catch(() => undefined);
    this.#release();
  }

  async #consumeFrom(source: ms.Producer): Promise<void> {
    if (this.#closed || !this.#consume || !this.#codec) return;
    try {
      this.#relay ??= StableVideoRelay.create(this.#o.router, this.#codec, this.#o.logger, this.#o.callId);
      const relay = await this.#relay;
      if (!relay.carries(source)) {
        this.#o.logger.warn({ callId: this.#o.callId }, 'call video: the restarted source sends another codec');
        return;
      }
      await relay.follow(source);
      if (this.#consumer) return;
      const consumer = await this.#consume(relay.producer);
      if (this.#closed || this.#consumer) {
        consumer.close(); // the call ended, or a concurrent run already consumes the relay
        return;
      }
      this.#consumer = consumer;
      // The caller's decoder needs a key frame to start: ask for one now.
      await consumer.requestKeyFrame().catch(() => undefined);
      this.#o.logger.info({ callId: this.#o.callId, consumerId: consumer.id }, 'call video consuming');
    } catch (error) {
      this.#o.logger.warn({ callId: this.#o.callId, err: error }, 'call video could not consume the camera');
    }
  }

  #settled(timeoutMs: number): Promise<void> {
    const { state } = this.#o.supervisor.state;
    if (state === 'running' || state === 'unavailable') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#o.supervisor.off('state', onState);
        resolve();
      };
      const onState = (next: VideoSourceState): void => {
        if (next.state === 'running' || next.state === 'unavailable') done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#o.supervisor.on('state', onState);
    });
  }
}
