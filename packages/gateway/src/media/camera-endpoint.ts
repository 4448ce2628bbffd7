import type { types as ms } from 'mediasoup';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';

export type CameraEndpointCloseReason = 'local' | 'worker-died';

export type CameraEndpointEvents = {
  closed: [reason: CameraEndpointCloseReason];
};

/**
 * A camera as a media endpoint: its own Router, where its browser calls meet their engines
 * and its video is produced. When the Router's worker dies, the endpoint closes with
 * 'worker-died' and the camera's calls end (the next call builds a new Router).
 */
export class CameraEndpoint extends TypedEmitter<CameraEndpointEvents> {
  readonly cameraId: string;
  readonly router: ms.Router;
  readonly #logger: Logger;
  #closed = false;

  constructor(options: { cameraId: string; router: ms.Router; logger: Logger }) {
    super();
    this.cameraId = options.cameraId;
    this.router = options.router;
    this.#logger = options.logger;
    this.router.on('workerclose', () => this.close('worker-died'));
  }

  close(reason: CameraEndpointCloseReason = 'local'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.router.close(); // closes its transports
    this.#logger.info({ cameraId: this.cameraId, reason }, 'camera media endpoint closed');
    this.safeEmit('closed', reason);
    this.removeAllListeners();
  }
}
