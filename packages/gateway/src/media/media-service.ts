import type { types as ms } from 'mediasoup';
import { systemClock, type Clock } from '../core/clock.ts';
import { InvalidStateError, ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import { CameraEndpoint } from './camera-endpoint.ts';
import type { MediaLegKind } from './media-leg.ts';
import { MediaSession } from './media-session.ts';
import type { RtpAudioEngine } from './rtp-audio-engine.ts';
import { RtpPortRange } from './rtp-port-range.ts';
import { SipLeg } from './sip-leg.ts';
import type { VideoSupervisor } from './video/video-supervisor.ts';
import { WebRtcLeg } from './webrtc-leg.ts';
import { WorkerPool } from './worker-pool.ts';

const DEFAULT_RTP_TIMEOUT_MS = 30_000;
/** Ports of the mediasoup workers (WebRTC and loopback plain transports), apart from the RTP edge range. */
const DEFAULT_WORKER_PORT_MIN = 40000;
const DEFAULT_WORKER_PORT_MAX = 49999;
const DEFAULT_CAMERA_ID = 'camera';

export interface MediaServiceOptions {
  readonly logger: Logger;
  /** mediasoup worker processes (default 1; the gateway's `--workers` defaults to one per core); each camera's Router goes to the least loaded. */
  readonly workers?: number;
  readonly webrtc: {
    /** Address the WebRTC transports bind; 0.0.0.0 listens on all interfaces. */
    readonly listenIp: string;
    /** Address in the ICE candidates: the one browsers reach (required with 0.0.0.0). */
    readonly announcedIp?: string;
    readonly portMin?: number;
    readonly portMax?: number;
  };
  readonly rtp: {
    readonly listenIp: string;
    /** Address written into SDP answers to SIP phones. */
    readonly announcedIp: string;
    readonly portMin: number;
    readonly portMax: number;
    /** No caller audio for this long (not on hold) emits 'timeout'. Default 30 s. */
    readonly timeoutMs?: number;
  };
  readonly clock?: Clock;
}

export interface MediaAnswerRequest {
  readonly callId: string;
  readonly kind: MediaLegKind;
  readonly offerSdp: string;
  /** The call's audio engine (in an audio thread): SIP phones' RTP goes straight to it. */
  readonly audio: RtpAudioEngine;
  /** The camera the call is for (one Router per camera). */
  readonly cameraId?: string;
  /** The IP the call's signalling came from (SIP phones: strict RTP may learn from it). */
  readonly signallingAddress?: string;
}

export interface MediaServiceStatus {
  readonly mediasoupVersion: string;
  readonly workerPids: number[];
  /** Routers (cameras) per worker, by pid. */
  readonly routersPerWorker: Map<number, number>;
  readonly sessions: number;
}

export type MediaServiceState = 'new' | 'starting' | 'running' | 'closed';

const TRANSITIONS: Record<MediaServiceState, readonly MediaServiceState[]> = {
  new: ['starting', 'closed'],
  starting: ['running', 'closed'],
  running: ['closed'],
  closed: [],
};

export type MediaServiceEvents = {
  /** A mediasoup worker died (it is being replaced; its sessions closed with 'worker-died'). */
  workerdied: [pid: number];
};

/**
 * The media layer's facade for the call glue: answers offers with a MediaSession per call
 * (mediasoup Router per camera; WebRtcLeg for browsers, SipLeg for SIP phones, whose audio
 * the call's engine exchanges with the phone itself).
 */
export class MediaService extends TypedEmitter<MediaServiceEvents> {
  readonly #options: MediaServiceOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #portRange: RtpPortRange;
  readonly #endpoints = new Map<string, Promise<CameraEndpoint>>();
  readonly #sessions = new Map<string, MediaSession>();
  readonly #answering = new Set<string>();
  readonly #video = new Map<string, VideoSupervisor>();
  #pool: WorkerPool | undefined;
  #state: MediaServiceState = 'new';

  constructor(options: MediaServiceOptions) {
    super();
    if (options.webrtc.listenIp === '0.0.0.0' && !options.webrtc.announcedIp) {
      throw new ValidationError('webrtc.announcedIp', 'is required when listening on 0.0.0.0');
    }
    this.#options = options;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#portRange = new RtpPortRange(options.rtp.portMin, options.rtp.portMax);
  }

  get state(): MediaServiceState {
    return this.#state;
  }

  async start(): Promise<void> {
    this.#transition('starting');
    const pool = await WorkerPool.start({
      logger: this.#logger,
      size: this.#options.workers ?? 1,
      rtcMinPort: this.#options.webrtc.portMin ?? DEFAULT_WORKER_PORT_MIN,
      rtcMaxPort: this.#options.webrtc.portMax ?? DEFAULT_WORKER_PORT_MAX,
      clock: this.#clock,
    });
    if (this.#state === 'closed') {
      pool.close();
      return;
    }
    this.#pool = pool;
    pool.on('workerdied', (pid) => this.safeEmit('workerdied', pid));
    this.#transition('running');
  }

  status(): MediaServiceStatus {
    return {
      mediasoupVersion: this.#pool?.mediasoupVersion ?? '',
      workerPids: this.#pool?.pids ?? [],
      routersPerWorker: this.#pool?.load ?? new Map(),
      sessions: this.#sessions.size,
    };
  }

  session(callId: string): MediaSession | undefined {
    return this.#sessions.get(callId);
  }

  /** The camera's Router (built on first use, again after its worker died): where its video is produced. */
  async cameraRouter(cameraId = DEFAULT_CAMERA_ID): Promise<ms.Router> {
    if (this.#state !== 'running') throw new InvalidStateError(`media service is ${this.#state}`);
    return (await this.#endpoint(cameraId)).router;
  }

  /** The camera's video supervisor: calls that offer video get its picture (one per camera). */
  attachVideo(cameraId: string, supervisor: VideoSupervisor): void {
    this.#video.set(cameraId, supervisor);
  }

  /** Answers a caller's offer. Throws SdpNegotiationError (glue: 488) when it cannot. */
  async answer(request: MediaAnswerRequest): Promise<MediaSession> {
    if (this.#state !== 'running') throw new InvalidStateError(`media service is ${this.#state}`);
    const { callId } = request;
    if (this.#sessions.has(callId) || this.#answering.has(callId)) throw new InvalidStateError(`call ${callId} already has media`);
    this.#answering.add(callId);
    try {
      return await this.#answer(request);
    } finally {
      this.#answering.delete(callId);
    }
  }

  async #answer(request: MediaAnswerRequest): Promise<MediaSession> {
    const { callId } = request;
    const cameraId = request.cameraId ?? DEFAULT_CAMERA_ID;
    const endpoint = await this.#endpoint(cameraId);
    const video = this.#video.get(cameraId);
    const logger = this.#logger;
    const { webrtc, rtp } = this.#options;
    const rtpTimeoutMs = rtp.timeoutMs ?? DEFAULT_RTP_TIMEOUT_MS;
    const session = await MediaSession.open({
      callId,
      logger,
      clock: this.#clock,
      rtpTimeoutMs,
      endpoint,
      createLeg: () =>
        request.kind === 'webrtc'
          ? WebRtcLeg.create({
              callId, logger, router: endpoint.router, listenIp: webrtc.listenIp, announcedIp: webrtc.announcedIp, offerSdp: request.offerSdp, audio: request.audio,
              ...(video && { video }),
            })
          : SipLeg.create({
              callId, logger, clock: this.#clock, router: endpoint.router, portRange: this.#portRange, audio: request.audio,
              listenIp: rtp.listenIp, announcedIp: rtp.announcedIp, offerSdp: request.offerSdp, silenceLimitMs: rtpTimeoutMs,
              ...(request.signallingAddress !== undefined && { signallingAddress: request.signallingAddress }),
              ...(video && { video }),
            }),
    });
    if (this.#state !== 'running') {
      session.close();
      throw new InvalidStateError('media service closed while answering');
    }
    this.#sessions.set(callId, session);
    session.once('closed', () => this.#sessions.delete(callId));
    return session;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#transition('closed');
    for (const session of this.#sessions.values()) session.close();
    this.#sessions.clear();
    const endpoints = await Promise.allSettled(this.#endpoints.values());
    for (const result of endpoints) if (result.status === 'fulfilled') result.value.close();
    this.#endpoints.clear();
    this.#pool?.close();
    this.#logger.info('media service closed');
    this.removeAllListeners();
  }

  /** A removed camera's Router goes (its calls ended first); the next use would create a new one. */
  async closeCamera(cameraId: string): Promise<void> {
    const endpoint = this.#endpoints.get(cameraId);
    if (!endpoint) return;
    this.#endpoints.delete(cameraId);
    const created = await endpoint.catch(() => undefined);
    created?.close();
  }

  #endpoint(cameraId: string): Promise<CameraEndpoint> {
    let endpoint = this.#endpoints.get(cameraId);
    if (!endpoint) {
      endpoint = this.#createEndpoint(cameraId);
      this.#endpoints.set(cameraId, endpoint);
      // A failed creation must not stay cached.
      endpoint.catch(() => this.#endpoints.delete(cameraId));
    }
    return endpoint;
  }

  async #createEndpoint(cameraId: string): Promise<CameraEndpoint> {
    const router = await this.#pool!.createRouter();
    const endpoint = new CameraEndpoint({ cameraId, router, logger: this.#logger });
    // After a worker death the next call builds the camera's Router on a live worker.
    endpoint.once('closed', () => this.#endpoints.delete(cameraId));
    return endpoint;
  }

  #transition(to: MediaServiceState): void {
    if (!TRANSITIONS[this.#state].includes(to)) throw new InvalidStateError(`media service cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }
}
