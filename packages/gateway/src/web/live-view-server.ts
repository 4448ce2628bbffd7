import type { types as ms } from 'mediasoup';
import {
  VideoJoinRequestSchema,
  VideoConnectRequestSchema,
  VideoConsumeRequestSchema,
  type ClientToServerEvents,
  type VideoStatus,
} from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { VideoSupervisor } from '../media/video/video-supervisor.ts';
import { VideoViewer } from '../media/video/video-viewer.ts';
import { parseBody as parse } from './http-errors.ts';
import type { LiveSocket } from './live-server.ts';

type Reply = (result: { ok: false; error: string } | ({ ok: true } & Record<string, unknown>)) => void;

/** Viewers of one camera at once: each costs a transport, SRTP encryption and upstream bandwidth (~0.7 Mbit/s). */
export const DEFAULT_MAX_VIEWERS = 8;

export interface LiveViewServerOptions {
  readonly cameraId: string;
  readonly video: VideoSupervisor;
  /** The camera's Router, where the video Producer lives. */
  readonly router: () => Promise<ms.Router>;
  readonly webrtc: { readonly listenIp: string; readonly announcedIp: string | undefined };
  readonly logger: Logger;
  readonly maxViewers?: number;
  /** Something in VideoStatus changed (state, viewers): the glue re-broadcasts the camera status. */
  readonly onChange?: () => void;
}

interface ViewerEntry {
  viewer: VideoViewer | undefined;
  release: () => void;
}

/**
 * socket.io signalling of the camera page's live view: a mediasoup-client Device joins
 * (receive transport), connects (DTLS), consumes the camera's video Producer and resumes.
 * Signed-in admins only, at most maxViewers at once, one view per socket. Viewers hear
 * 'video:state' on every change, so a page re-consumes by itself when the source returns.
 * Every payload is checked with the protocol's zod schemas; errors are acks, never throws.
 */
export class LiveViewServer {
  readonly #o: LiveViewServerOptions;
  readonly #maxViewers: number;
  readonly #viewers = new Map<LiveSocket, ViewerEntry>();
  #closed = false;

  constructor(options: LiveViewServerOptions) {
    this.#o = options;
    this.#maxViewers = options.maxViewers ?? DEFAULT_MAX_VIEWERS;
    options.video.on('state', () => this.#changed());
  }

  status(): VideoStatus {
    const state = this.#o.video.state;
    return {
      cameraId: this.#o.cameraId,
      state: state.state,
      reason: state.state === 'unavailable' ? state.reason : null,
      source: this.#o.video.source.kind,
      alwaysOn: this.#o.video.alwaysOn,
      viewers: this.#viewers.size,
      maxViewers: this.#maxViewers,
    };
  }

  /** Makes `socket` a viewer: starts the video if needed and opens its receive transport. */
  join(socket: LiveSocket): Promise<object> {
    return this.#join(socket);
  }

  async connect(socket: LiveSocket, request: unknown): Promise<object> {
    const { dtlsParameters } = parse(VideoConnectRequestSchema, request);
    await this.#viewer(socket).connect(dtlsParameters as ms.DtlsParameters);
    return {};
  }

  async consume(socket: LiveSocket, request: unknown): Promise<object> {
    const { rtpCapabilities } = parse(VideoConsumeRequestSchema, request);
    const viewer = this.#viewer(socket);
    const producer = this.#o.video.producer;
    if (!producer) throw new Error(`video unavailable: ${this.status().reason ?? this.status().state}`);
    return { consumer: await viewer.consume(producer, rtpCapabilities as ms.RtpCapabilities) };
  }

  async resume(socket: LiveSocket): Promise<object> {
    await this.#viewer(socket).resume();
    return {};
  }

  leave(socket: LiveSocket): void {
    this.#leave(socket);
  }

  close(): void {
    this.#closed = true;
    for (const socket of [...this.#viewers.keys()]) this.#leave(socket);
  }

  async #join(socket: LiveSocket): Promise<object> {
    if (this.#closed) throw new Error('the gateway is shutting down');
    if (this.#viewers.has(socket)) this.#leave(socket);
    if (this.#viewers.size >= this.#maxViewers) throw new Error(`at most ${this.#maxViewers} viewers at once`);
    // Claimed before the awaits, so concurrent joins cannot exceed the limit.
    const entry: ViewerEntry = { viewer: undefined, release: this.#o.video.acquire() };
    this.#viewers.set(socket, entry);
    this.#changed();
    try {
      const router = await this.#o.router();
      const viewer = await VideoViewer.create({ viewerId: socket.id, router, ...this.#o.webrtc, logger: this.#o.logger });
      if (this.#viewers.get(socket) !== entry) {
        viewer.close();
        throw new Error('left while joining');
      }
      entry.viewer = viewer;
      viewer.on('ended', (reason) => {
        this.#leave(socket);
        socket.emit('video:ended', reason);
      });
      this.#o.logger.info({ viewerId: socket.id, viewers: this.#viewers.size }, 'video viewer joined');
      return { routerRtpCapabilities: router.rtpCapabilities, transport: viewer.transportInfo, status: this.status() };
    } catch (error) {
      this.#leave(socket);
      throw error;
    }
  }

  #viewer(socket: LiveSocket): VideoViewer {
    const viewer = this.#viewers.get(socket)?.viewer;
    if (!viewer) throw new Error('join the video first');
    return viewer;
  }

  #leave(socket: LiveSocket): void {
    const entry = this.#viewers.get(socket);
    if (!entry) return;
    this.#viewers.delete(socket);
    entry.viewer?.close();
    entry.release();
    this.#changed();
  }

  #changed(): void {
    if (this.#closed) return;
    const status = this.status();
    for (const socket of this.#viewers.keys()) socket.emit('video:state', status);
    this.#o.onChange?.();
  }
}

/**
 * Adds the live-view events to a new socket.io connection: `video:join` names the camera
 * (one view per socket at a time), the later requests go to the camera being watched.
 * Signed-in admins only; every error is an ack, never a throw.
 */
export function attachLiveViews(socket: LiveSocket, admin: boolean, camera: (cameraId: string) => LiveViewServer | undefined): void {
  let watching: LiveViewServer | undefined;
  const current = () => watching ?? fail('join the video first');
  const handle = (event: keyof ClientToServerEvents, run: (request: unknown) => Promise<object>) => {
    socket.on(event, (request: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as Reply;
      if (!admin) return reply({ ok: false, error: 'sign in as admin to watch the camera' });
      Promise.resolve()
        .then(() => run(request))
        .then(
          (result) => reply({ ok: true, ...result }),
          (error: unknown) => reply({ ok: false, error: (error as Error).message }),
        );
    });
  };
  handle('video:join', (request) => {
    const { cameraId } = parse(VideoJoinRequestSchema, request ?? {});
    const server = camera(cameraId) ?? fail(`no camera "${cameraId}"`);
    if (watching !== server) watching?.leave(socket);
    watching = server;
    return server.join(socket);
  });
  handle('video:connect', (request) => current().connect(socket, request));
  handle('video:consume', (request) => current().consume(socket, request));
  handle('video:resume', () => current().resume(socket));
  const leave = () => {
    watching?.leave(socket);
    watching = undefined;
  };
  socket.on('video:leave', leave);
  socket.on('disconnect', leave);
}

function fail(message: string): never {
  throw new Error(message);
}
