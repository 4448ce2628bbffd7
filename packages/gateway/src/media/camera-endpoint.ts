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
 * the one DirectTransport through which the camera's audio engine hears and speaks to
 * each call (one CameraAudioLink per call).
 */
export class CameraEndpoint extends TypedEmitter<CameraEndpointEvents> {
  readonly cameraId: string;
  readonly router: ms.Router;
  readonly #transport: ms.DirectTransport;
  readonly #logger: Logger;
  readonly #ticker: FrameTicker;
  readonly #links = new Set<AudioLink>();
  #closed = false;

  private constructor(cameraId: string, router: ms.Router, transport: ms.DirectTransport, ticker: FrameTicker, logger: Logger) {
    super();
    this.cameraId = cameraId;
    this.router = router;
    this.#transport = transport;
    this.#ticker = ticker;
    this.#logger = logger;
    router.on('workerclose', () => this.close('worker-died'));
  }

  static async create(options: { cameraId: string; router: ms.Router; ticker: FrameTicker; logger: Logger }): Promise<CameraEndpoint> {
    const transport = await options.router.createDirectTransport();
    return new CameraEndpoint(options.cameraId, options.router, transport, options.ticker, options.logger);
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
      : await CameraAudioLink.create({ ...options, audio, transport: this.#transport, ticker: this.#ticker, logger: this.#logger });
    this.#links.add(link);
    link.producer.observer.once('close', () => this.#links.delete(link));
    return link;
  }

  close(reason: CameraEndpointCloseReason = 'local'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) link.close();
    this.#links.clear();
    this.#transport.close();
    this.router.close();
    this.#logger.info({ cameraId: this.cameraId, reason }, 'camera media endpoint closed');
    this.safeEmit('closed', reason);
    this.removeAllListeners();
  }
}
