import type { types as ms } from 'mediasoup';
import { InvalidStateError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import { isRtpAudioEngine, type CameraAudio } from '../audio/contracts.ts';
import { CameraAudioLink, type CameraAudioLinkOptions } from './camera-audio-link.ts';
import type { FrameTicker } from './frame-ticker.ts';
import { ThreadAudioLink } from './thread-audio-link.ts';

/** One call's link to the camera's audio engine, in this thread or in an audio thread. */
export type AudioLink = CameraAudioLink | ThreadAudioLink;

export type CameraEndpointCloseReason = 'local' | 'worker-died';

export type CameraEndpointEvents = {
  closed: [reason: CameraEndpointCloseReason];
};

/**
 * A camera as a media endpoint: its own Router (every call of the camera meets there) and
 * each call's link to the camera's audio engine: a ThreadAudioLink (PlainTransport) for an
 * engine in an audio thread, or a CameraAudioLink on one DirectTransport, made on first use,
 * for an engine in this thread.
 */
export class CameraEndpoint extends TypedEmitter<CameraEndpointEvents> {
  readonly cameraId: string;
  readonly router: ms.Router;
  #transport: Promise<ms.DirectTransport> | undefined;
  readonly #logger: Logger;
  readonly #ticker: FrameTicker;
  readonly #links = new Set<AudioLink>();
  #closed = false;

  constructor(options: { cameraId: string; router: ms.Router; ticker: FrameTicker; logger: Logger }) {
    super();
    const { cameraId, router, ticker, logger } = options;
    this.cameraId = cameraId;
    this.router = router;
    this.#ticker = ticker;
    this.#logger = logger;
    router.on('workerclose', () => this.close('worker-died'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Connects one call's caller producer to the camera's audio engine: an engine in an audio
   * thread over a PlainTransport of its own, one in this thread over the DirectTransport.
   */
  async link(options: Omit<CameraAudioLinkOptions, 'transport' | 'ticker' | 'logger' | 'audio'> & { audio: CameraAudio }): Promise<AudioLink> {
    if (this.#closed) throw new InvalidStateError(`camera ${this.cameraId} endpoint is closed`);
    const { audio } = options;
    const link = isRtpAudioEngine(audio)
      ? await ThreadAudioLink.create({ ...options, audio, router: this.router, logger: this.#logger })
      : await CameraAudioLink.create({ ...options, audio, transport: await this.#directTransport(), ticker: this.#ticker, logger: this.#logger });
    this.#links.add(link);
    link.producer.observer.once('close', () => this.#links.delete(link));
    return link;
  }

  close(reason: CameraEndpointCloseReason = 'local'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) link.close();
    this.#links.clear();
    this.router.close(); // closes its transports
    this.#logger.info({ cameraId: this.cameraId, reason }, 'camera media endpoint closed');
    this.safeEmit('closed', reason);
    this.removeAllListeners();
  }

  #directTransport(): Promise<ms.DirectTransport> {
    this.#transport ??= this.router.createDirectTransport();
    return this.#transport;
  }
}
