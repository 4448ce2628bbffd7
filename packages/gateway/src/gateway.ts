import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { DEFAULT_CAMERA_ID, SipUserSchema, type CameraDefinition, type CameraStatus } from '@camgate/protocol';
import { EspeakTts } from './audio/speech/espeak-tts.ts';
import { PhraseCache } from './audio/speech/phrase-cache.ts';
import { WavDecoder } from './audio/wav-decoder.ts';
import { CameraUnit } from './camera-unit.ts';
import { RedisSharedState } from './cluster/redis-shared-state.ts';
import { SharedCameraState } from './cluster/shared-camera-state.ts';
import { LocalSharedState } from './cluster/shared-state.ts';
import { RedisStoreChanges, SilentStoreChanges, StoreFollower, type StoreChanges } from './cluster/store-changes.ts';
import { applyCamerasFile } from './camera/cameras-file-apply.ts';
import { CameraRegistry, sipUserOf } from './camera/camera-registry.ts';
import { PIN_LOCKOUT, PinGuard } from './camera/pin-guard.ts';
import { readCamerasFile } from './config/cameras-file.ts';
import { sipLimits, type Config } from './config/config.ts';
import { systemClock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import { AudioThreadPool } from './media/audio-threads/audio-thread-pool.ts';
import { MediaService } from './media/media-service.ts';
import { SipStack } from './sip/sip-stack.ts';
import { SHARED_REFRESH_MS, Store } from './store/store.ts';
import { AdminSessions } from './web/admin-sessions.ts';
import { errorHandler } from './web/http-errors.ts';
import { LiveServer } from './web/live-server.ts';
import { attachLiveViews } from './web/live-view-server.ts';
import { createCallOutRoutes } from './web/call-out-routes.ts';
import { createRestApi } from './web/rest-api.ts';
import { securityHeaders, uiAssets } from './web/ui-assets.ts';
import { loadTls } from './web/tls.ts';

const SOFTPHONE_DIST = fileURLToPath(new URL('../../softphone/dist', import.meta.url));
const ADMIN = 'admin';
const REALM = 'camgate';

export interface GatewayInfo {
  httpUrl: string;
  /** The default camera's SIP address (the first camera's when it was removed). */
  sipAddress: string;
  /** Every camera at start-up with its SIP address. */
  cameras: { id: string; sipAddress: string }[];
  /** Set on the first start only: the generated admin password, to print once. */
  newAdminPassword?: string;
  mediasoupVersion: string;
  workerPids: number[];
}

/**
 * The composition root: builds the ownership tree (store, camera, media, SIP, web) from a
 * config and closes it in reverse order.
 */
export class Gateway {
  readonly #closers: (() => Promise<void> | void)[] = [];
  #closed = false;

  private constructor(
    readonly info: GatewayInfo,
    readonly http: HttpServer,
    /** The calls' audio engines (tests kill one to see only its calls end). */
    readonly audioThreads: AudioThreadPool,
  ) {}

  static async start(config: Config, baseLogger: Logger): Promise<Gateway> {
    const clock = systemClock;
    const closers: (() => Promise<void> | void)[] = [];
    // Among several gateways every line names its node.
    const logger = config.redis ? baseLogger.child({ node: config.nodeId }) : baseLogger;
    try {
      // A bad fleet file stops start-up before anything listens.
      const camerasFile = config.cameras ? readCamerasFile(config.cameras) : undefined;
      const store = await Store.open(config.dataDir, logger, config.database);
      closers.push(() => store.close());
      // Every camera's calls: the statement is not scoped to the camera it is reached through.
      const interrupted = await (await store.camera(DEFAULT_CAMERA_ID)).callLog.closeInterrupted(clock.now());
      if (interrupted > 0) logger.warn({ calls: interrupted }, 'calls left open by the previous run closed as gateway-restarted');

      const newAdminPassword = await ensureAdmin(store, config.adminPassword, clock.now());

      const shared = config.redis
        ? new RedisSharedState({ url: config.redis, node: config.nodeId, clock, logger })
        : new LocalSharedState(config.nodeId);
      await shared.start();
      closers.push(() => shared.close());
      const sharedCameras = new SharedCameraState(shared, clock, logger);
      // What this node writes, the others re-read at once (Redis) or on their next round.
      const storeChanges: StoreChanges = config.redis ? new RedisStoreChanges(config.redis, config.nodeId, logger) : new SilentStoreChanges();
      await storeChanges.start();
      closers.push(() => storeChanges.close());
      store.onCommitted((change) => storeChanges.announce(change));

      const tts = new EspeakTts();
      closers.push(() => tts.close());
      const phrases = new PhraseCache(tts);

      const media = new MediaService({
        logger,
        workers: config.workers,
        webrtc: { listenIp: config.httpHost, announcedIp: config.announcedIp, portMin: config.webrtcPortMin, portMax: config.webrtcPortMax },
        rtp: {
          listenIp: config.sipHost,
          announcedIp: config.announcedIp,
          portMin: config.rtpPortMin,
          portMax: config.rtpPortMax,
          timeoutMs: config.rtpTimeout * 1000,
        },
        clock,
      });
      await media.start();
      closers.push(() => media.close());

      // --- web -----------------------------------------------------------------------------
      const app = express();
      app.disable('x-powered-by');
      const tls = await loadTls(
        { ...(config.tlsCert && { cert: config.tlsCert, key: config.tlsKey }), selfSigned: config.tls === 'self-signed', dataDir: config.dataDir, hostnames: [config.announcedIp] },
        logger,
      );
      const http: HttpServer = tls ? createHttpsServer(tls, app) : createServer(app);
      // Closed after SIP and socket.io (which end their WebSockets on this server): a BYE to a
      // browser needs its connection, and close() would otherwise wait for it forever.
      closers.push(() => closeServer(http));
      const sessions = new AdminSessions(clock, store.adminSessions);
      const loginGuard = new PinGuard(clock, PIN_LOCKOUT, { scope: 'login', repository: store.lockouts });
      const digestGuard = new PinGuard(clock, PIN_LOCKOUT, { scope: 'digest', repository: store.lockouts });
      const wavDecoder = new WavDecoder();
      closers.push(() => wavDecoder.close());

      const sip = new SipStack({
        logger,
        clock,
        udp: { host: config.sipHost, port: config.sipPort },
        tcp: { host: config.sipHost, port: config.sipPort },
        ws: { server: http, path: '/sip' },
        publicHost: config.announcedIp,
        userAgent: 'camgate',
        admission: { maxCalls: config.maxCalls, maxCallsPerSource: config.maxCallsPerSource, maxPendingInvitesPerSource: config.maxPendingInvitesPerSource },
        limits: sipLimits(config),
        trustedProxies: config.sipTrustedProxy,
        softphoneAuth: {
          realm: REALM,
          // Accounts keep only their MD5 H(A1); JsSIP answers MD5 challenges.
          algorithms: ['MD5'],
          lockout: digestGuard,
          nonceSecret: () => shared.digestSecret(),
          lookup: (username) => {
            const account = store.softphoneAccounts.find(username, clock.now());
            return account ? { ha1: account.ha1, algorithm: 'MD5' } : undefined;
          },
        },
      });
      await sip.start();
      closers.push(() => sip.close());

      // --- cameras ---------------------------------------------------------------------------
      const audioThreads = await AudioThreadPool.start({
        size: config.audioThreads, logger, logFormat: config.logFormat, phrases, dataDir: config.dataDir,
        ...(config.microphoneWav && { microphoneWav: config.microphoneWav }),
      });
      closers.push(() => audioThreads.close());
      const portSuffix = config.sipPort === 5060 ? '' : `:${config.sipPort}`;
      const cameras: CameraRegistry<CameraUnit> = new CameraRegistry<CameraUnit>({
        repository: store.cameras,
        now: () => clock.now(),
        logger,
        create: async (definition) => {
          const unit = await CameraUnit.create(definition, {
            store: await store.camera(definition.id),
            media,
            sip,
            tts,
            phrases,
            audioThreads,
            clock,
            logger,
            ...(config.internetProbe && { internetTarget: parseHostPort(config.internetProbe) }),
            webrtc: { listenIp: config.httpHost, announcedIp: config.announcedIp },
            videoAlwaysOn: config.videoAlwaysOn,
            localHost: config.announcedIp,
            sipAddress: (user) => `sip:${user}@${config.announcedIp}${portSuffix}`,
            onStatusChange: (id) => live.broadcastStatus(id),
            mediaStatus: () => mediaStatus(media),
            mergeShared: (id, own) => sharedCameras.merge(id, own),
            callsElsewhere: (id) => sharedCameras.callsElsewhere(id),
          });
          sharedCameras.attach(unit);
          live.attachCamera(unit);
          unit.camera.on('call:ended', () => live.broadcastStatus(unit.id));
          return unit;
        },
      });
      closers.push(() => cameras.close());

      app.use(securityHeaders);
      // Before the REST API: the bell webhook passes without an admin session.
      app.use(
        '/api',
        createCallOutRoutes({
          camera: (id) => {
            const unit = cameras.get(id);
            return unit && { callOuts: unit.callOuts, settings: unit.outgoingSettings };
          },
          defaultCameraId: DEFAULT_CAMERA_ID,
          sessions,
          logger,
          databaseReachable: () => store.health().reachable,
        }),
      );
      app.use(
        '/api',
        createRestApi({
          cameras,
          store,
          clock,
          logger,
          sessions,
          health: () => ({ node: shared.node, sharedState: shared.health }),
          loginGuard,
          lockoutGuards: [{ list: () => cameras.list().flatMap((unit) => unit.camera.pinGuard.list()), unlock: (key) => cameras.list().some((unit) => unit.camera.pinGuard.unlock(key)) }, loginGuard, digestGuard],
          wavDecoder,
          realm: REALM,
          softphoneTarget: (host: string, secure: boolean, cameraId: string) => {
            const unit = cameras.get(cameraId);
            if (!unit) return undefined;
            const hostname = host.replace(/:\d+$/, '');
            return {
              domain: hostname,
              cameraUri: `sip:${sipUserOf(unit.definition)}@${hostname}`,
              wsUrl: `${secure ? 'wss' : 'ws'}://${host}/sip`,
            };
          },
        }),
      );
      if (existsSync(SOFTPHONE_DIST)) app.use(uiAssets(SOFTPHONE_DIST));
      else logger.warn({ dir: SOFTPHONE_DIST }, 'softphone bundle missing: run `npm run build`');
      app.use(errorHandler(logger));

      const live = new LiveServer({
        http,
        cameras,
        sessions,
        logger,
        onSocket: (socket, admin) => attachLiveViews(socket, admin, (id) => cameras.get(id)?.liveView),
        limits: { maxAnonymous: config.liveMaxAnonymous, maxAnonymousPerAddress: config.liveMaxAnonymousPerAddress },
        ...(shared instanceof RedisSharedState && { adapter: shared.socketAdapter() }),
      });
      closers.push(() => live.close());
      sharedCameras.on('changed', (cameraIds) => live.refreshStatus(cameraIds));
      cameras.on('changed', () => {
        sharedCameras.retain(cameras.list().map((unit) => unit.id));
        live.camerasChanged();
      });

      sip.on('invite', (call) => {
        const unit = cameras.route({ requestUser: call.requestUser, registrationAor: call.registrationAor });
        if (!unit) {
          logger.info({ callId: call.callId, requestUser: call.requestUser }, 'no camera of that SIP user');
          call.reject(404, 'Not Found');
          return;
        }
        if (unit.camera.closed) {
          // Being restarted with new sources or registration: the caller may try again at once.
          call.reject(503, 'Camera Restarting', [['Retry-After', '2']]);
          return;
        }
        if (!softphoneMayCall(store, call.authenticatedUser, unit.id, clock.now())) {
          logger.info({ callId: call.callId, cameraId: unit.id }, 'softphone account not allowed to call this camera');
          call.reject(403, 'Camera Not Allowed For This Account');
          return;
        }
        unit.calls.handleInvite(call).catch((error: unknown) => logger.error({ err: error, callId: call.callId, cameraId: unit.id }, 'call setup failed'));
      });
      // Every camera's status says when the database is unreachable, and when it is back.
      store.onHealthChange(() => {
        for (const unit of cameras.list()) live.broadcastStatus(unit.id);
      });
      media.on('workerdied', (pid) => {
        logger.error({ pid }, 'mediasoup worker died; replaced');
        for (const unit of cameras.list()) live.broadcastStatus(unit.id);
      });

      await cameras.start(defaultCamera(config), flaggedDefaults(config));
      if (camerasFile) await applyCamerasFile(cameras, camerasFile);
      // After start-up: an announced camera must not race the cameras being started.
      const guards = () => [loginGuard, digestGuard, ...cameras.list().map((unit) => unit.camera.pinGuard)];
      const reloadCameras = async () => {
        await cameras.sync();
        await Promise.all(cameras.list().map((unit) => unit.reloadStored()));
      };
      const follower = new StoreFollower(
        storeChanges,
        {
          cameras: () => cameras.sync(),
          camera: async ({ cameraId }) => cameras.get(cameraId)?.reloadStored(),
          'email-profiles': () => store.emailProfiles.refresh(),
          'softphone-accounts': () => store.softphoneAccounts.refresh(),
          'admin-sessions': () => store.adminSessions.refresh(),
          lockout: async ({ key }) => void (await Promise.all(guards().map((guard) => guard.reload([key])))),
          everything: async () => void (await Promise.all([store.refreshShared(), reloadCameras()])),
        },
        logger,
      );
      if (store.shared) follower.start(SHARED_REFRESH_MS);
      closers.push(() => follower.close());
      const defaultUnit = cameras.get(DEFAULT_CAMERA_ID) ?? cameras.list()[0];
      const sipAddress = defaultUnit?.sipAddress ?? `sip:${config.announcedIp}${portSuffix}`;

      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.httpPort, config.httpHost, () => resolve());
      });

      const port = (http.address() as AddressInfo).port;
      const gateway = new Gateway(
        {
          httpUrl: `${tls ? 'https' : 'http'}://${config.announcedIp}:${port}/`,
          sipAddress,
          cameras: cameras.list().map((unit) => ({ id: unit.id, sipAddress: unit.sipAddress })),
          ...(newAdminPassword && { newAdminPassword }),
          ...mediaStatus(media),
        },
        http,
        audioThreads,
      );
      gateway.#closers.push(...closers);
      return gateway;
    } catch (error) {
      for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
      throw error;
    }
  }

  /** Ends calls, stops SIP, media and web, closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const close of this.#closers.reverse()) await close();
  }
}

/** Creates the admin on first start (random password unless one is configured). */
async function ensureAdmin(store: Store, configured: string | undefined, now: number): Promise<string | undefined> {
  if (configured) {
    await store.adminUsers.setPassword(ADMIN, configured, now);
    return undefined;
  }
  if (await store.adminUsers.exists(ADMIN)) return undefined;
  const password = randomBytes(12).toString('base64url');
  await store.adminUsers.setPassword(ADMIN, password, now);
  return password;
}

function mediaStatus(media: MediaService): CameraStatus['media'] {
  const { mediasoupVersion, workerPids } = media.status();
  return { mediasoupVersion, workerPids };
}

function closeServer(server: HttpServer): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

/**
 * The default camera `camera` from the single-camera flags: a fresh start creates it, and
 * flags given at a later start (--camera-name, --snapshot-url, --video-url, --sip-registrar ...) update it.
 */
function defaultCamera(config: Config): CameraDefinition {
  return {
    id: DEFAULT_CAMERA_ID,
    name: config.cameraName ?? DEFAULT_CAMERA_ID,
    // A name that cannot be a SIP user ("front door") names the camera; it stays at sip:camera@.
    ...(config.cameraName && SipUserSchema.safeParse(config.cameraName).success && { sipUser: config.cameraName }),
    ...(config.snapshotUrl && { snapshotUrl: config.snapshotUrl }),
    ...(config.videoUrl && { videoUrl: config.videoUrl }),
    ...(config.sipRegistrar &&
      config.sipUsername &&
      config.sipPassword && {
        registration: {
          registrar: config.sipRegistrar,
          transport: config.sipRegistrarTransport,
          username: config.sipUsername,
          password: config.sipPassword,
          ...(config.sipAor && { aor: config.sipAor }),
        },
      }),
  };
}

/** What the flags say about the default camera, for a data directory that has it already. */
function flaggedDefaults(config: Config): Partial<CameraDefinition> {
  const { id: _id, name, ...rest } = defaultCamera(config);
  return { ...(config.cameraName && { name }), ...rest };
}

/** Whether a softphone account (by its digest user) may call this camera; calls without one are the camera's to decide. */
function softphoneMayCall(store: Store, user: string | undefined, cameraId: string, now: number): boolean {
  if (user === undefined) return true;
  const cameras = store.softphoneAccounts.find(user, now)?.cameras;
  return cameras === undefined || cameras === null || cameras.includes(cameraId);
}
