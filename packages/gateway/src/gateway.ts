import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { CameraStatus, SpokenLanguage } from '@camgate/protocol';
import { encodeWav, readWav } from './audio/wav.ts';
import { WavDecoder } from './audio/wav-decoder.ts';
import { ENGINE_RATE } from './audio/contracts.ts';
import { EspeakTts } from './audio/speech/espeak-tts.ts';
import { PhraseCache } from './audio/speech/phrase-cache.ts';
import { voiceFor } from './audio/speech/voices.ts';
import { CallManager } from './calls/call-manager.ts';
import { SipCallOutDialer, type ProviderAccount } from './calls/call-out-dialer.ts';
import { CallOutService } from './camera/call-out/call-out-service.ts';
import { OutgoingCallsSettingsService } from './camera/call-out/outgoing-calls-settings.ts';
import { OutgoingCallsRepository } from './store/outgoing-calls-repository.ts';
import { createCallOutRoutes } from './web/call-out-routes.ts';
import { Camera } from './camera/camera.ts';
import { PHRASES } from './camera/phrases.ts';
import { PIN_LOCKOUT, PinGuard } from './camera/pin-guard.ts';
import { HttpSnapshotSource } from './camera/device/snapshot-source.ts';
import { sipLimits, type Config } from './config/config.ts';
import { systemClock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import { AudioThreadPool } from './media/audio-threads/audio-thread-pool.ts';
import { MediaService } from './media/media-service.ts';
import { createRtspPuller } from './media/video/rtsp-puller.ts';
import { SimulatedScene } from './media/video/simulated-scene.ts';
import { VideoSupervisor } from './media/video/video-supervisor.ts';
import { SipStack } from './sip/sip-stack.ts';
import { SipUri } from './sip/message/uri.ts';
import type { Registration } from './sip/ua/registration.ts';
import { Store } from './store/store.ts';
import { AdminSessions } from './web/admin-sessions.ts';
import { errorHandler } from './web/http-errors.ts';
import { LiveServer } from './web/live-server.ts';
import { LiveViewServer } from './web/live-view-server.ts';
import { createRestApi } from './web/rest-api.ts';
import { securityHeaders, uiAssets } from './web/ui-assets.ts';
import { loadTls } from './web/tls.ts';

const SOFTPHONE_DIST = fileURLToPath(new URL('../../softphone/dist', import.meta.url));
const WELCOME_ID = 'welcome';
/** The one camera's id in the media layer (MediaService's default Router). */
const VIDEO_CAMERA_ID = 'camera';
const ADMIN = 'admin';
const REALM = 'camgate';

export interface GatewayInfo {
  httpUrl: string;
  sipAddress: string;
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
    /** The threads running the calls' audio engines (load, and which thread runs a call). */
    readonly audioThreads: AudioThreadPool,
  ) {}

  static async start(config: Config, logger: Logger): Promise<Gateway> {
    const clock = systemClock;
    const closers: (() => Promise<void> | void)[] = [];
    try {
      const store = Store.open(config.dataDir, logger);
      closers.push(() => store.close());
      const interrupted = store.callLog.closeInterrupted(clock.now());
      if (interrupted > 0) logger.warn({ calls: interrupted }, 'calls left open by the previous run closed as gateway-restarted');

      const newAdminPassword = await ensureAdmin(store, config.adminPassword, clock.now());

      const tts = new EspeakTts();
      closers.push(() => tts.close());
      const phrases = new PhraseCache(tts);

      const camera = new Camera({
        store,
        clock,
        logger,
        ...(config.internetProbe && { internetTarget: parseHostPort(config.internetProbe) }),
        ...(config.snapshotUrl && { snapshots: new HttpSnapshotSource(config.snapshotUrl) }),
        // Event pictures from the live video while it runs (the supervisor is built below).
        liveStill: () => video.still(),
      });
      closers.push(() => camera.close());
      // The built-in welcome and the fixed phrases speak the camera's language, re-rendered when it changes.
      let language = camera.settings.running.locale.language;
      await seedWelcome(store, tts, config.cameraName, clock.now(), language);
      const renderLanguage = (spoken: SpokenLanguage) =>
        phrases.prerender(camera.fixedPhrases(spoken), voiceFor(spoken)).catch((error: unknown) => logger.warn({ err: error }, 'prerendering phrases failed'));
      const prerender = renderLanguage(language);
      camera.settings.on('change', (view) => {
        if (view.running.locale.language === language) return;
        language = view.running.locale.language;
        void renderLanguage(language);
        seedWelcome(store, tts, config.cameraName, clock.now(), language).catch((error: unknown) => logger.warn({ err: error }, 'welcome message not re-rendered'));
      });

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
      const video = new VideoSupervisor({
        cameraId: VIDEO_CAMERA_ID,
        source: config.videoUrl
          ? createRtspPuller({ cameraId: VIDEO_CAMERA_ID, url: config.videoUrl, logger })
          : new SimulatedScene({ cameraId: VIDEO_CAMERA_ID, cameraName: config.cameraName, logger }),
        router: () => media.cameraRouter(),
        alwaysOn: config.videoAlwaysOn,
        logger,
      });
      closers.push(() => video.close());
      media.attachVideo(VIDEO_CAMERA_ID, video);
      const liveView = new LiveViewServer({
        cameraId: VIDEO_CAMERA_ID,
        video,
        router: () => media.cameraRouter(),
        webrtc: { listenIp: config.httpHost, announcedIp: config.announcedIp },
        logger,
        onChange: () => live.broadcastStatus(),
      });
      closers.push(() => liveView.close());

      const audioThreads = await AudioThreadPool.start({
        size: config.audioThreads, logger, logFormat: config.logFormat, phrases, dataDir: config.dataDir,
        ...(config.microphoneWav && { microphoneWav: config.microphoneWav }),
      });
      closers.push(() => audioThreads.close());
      const messages = new MessageSamples(store);
      const createAudio = (callId: string) =>
        audioThreads.createCallAudio(callId, {
          intercom: camera.settings.running.intercom,
          voice: voiceFor(camera.settings.running.locale.language),
        });
      const calls = new CallManager({
        camera,
        media,
        clock,
        logger,
        createAudio,
        loadMessage: (id) => messages.get(id),
      });
      closers.push(() => calls.close());

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
      let registration: Registration | undefined;
      const sipAddress = `sip:${config.cameraName}@${config.announcedIp}${config.sipPort === 5060 ? '' : `:${config.sipPort}`}`;
      const status = (): CameraStatus => ({
        name: config.cameraName,
        sipAddress,
        ...camera.status(),
        registration: registrationStatus(registration),
        media: mediaStatus(media),
        video: liveView.status(),
        callOuts: callOuts.service?.statuses ?? [],
      });
      app.use(securityHeaders);
      const outgoingSettings = new OutgoingCallsSettingsService(
        new OutgoingCallsRepository(store.db, VIDEO_CAMERA_ID, logger),
        { messageExists: (id) => store.audioMessages.exists(id) },
        clock,
        logger,
      );
      // Built once SIP runs; the routes come first (the webhook must pass before the admin check).
      const callOuts: { service?: CallOutService } = {};
      app.use(
        '/api',
        createCallOutRoutes({
          camera: (id) => (id === VIDEO_CAMERA_ID && callOuts.service ? { callOuts: callOuts.service, settings: outgoingSettings } : undefined),
          defaultCameraId: VIDEO_CAMERA_ID,
          sessions,
          logger,
        }),
      );
      app.use(
        '/api',
        createRestApi({
          camera,
          store,
          clock,
          logger,
          sessions,
          loginGuard,
          lockoutGuards: [camera.pinGuard, loginGuard, digestGuard],
          wavDecoder,
          status,
          realm: REALM,
          softphoneTarget: (host, secure) => {
            const hostname = host.replace(/:\d+$/, '');
            return {
              domain: hostname,
              cameraUri: `sip:${config.cameraName}@${hostname}`,
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
        camera,
        sessions,
        status,
        logger,
        onSocket: (socket, admin) => liveView.attach(socket, admin),
        limits: { maxAnonymous: config.liveMaxAnonymous, maxAnonymousPerAddress: config.liveMaxAnonymousPerAddress },
      });
      closers.push(() => live.close());
      camera.on('call:ended', () => live.broadcastStatus());

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
        softphoneAuth: {
          realm: REALM,
          // Accounts keep only their MD5 H(A1); JsSIP answers MD5 challenges.
          algorithms: ['MD5'],
          lockout: digestGuard,
          lookup: (username) => {
            const account = store.softphoneAccounts.find(username, clock.now());
            return account ? { ha1: account.ha1, algorithm: 'MD5' } : undefined;
          },
        },
      });
      await sip.start();
      closers.push(() => sip.close());
      sip.on('invite', (call) => {
        calls.handleInvite(call).catch((error: unknown) => logger.error({ err: error, callId: call.callId }, 'call setup failed'));
      });
      media.on('workerdied', (pid) => {
        logger.error({ pid }, 'mediasoup worker died; replaced');
        live.broadcastStatus();
      });
      let provider: ProviderAccount | undefined;
      if (config.sipRegistrar && config.sipUsername && config.sipPassword) {
        const [host, port = '5060'] = config.sipRegistrar.split(':');
        provider = {
          registrar: { host: host!, port: Number(port), transport: config.sipRegistrarTransport },
          aor: config.sipAor ?? new SipUri({ user: config.sipUsername, host: host! }).toString(),
          username: config.sipUsername,
          password: config.sipPassword,
        };
        registration = sip.register(provider);
        registration.on('state', () => live.broadcastStatus());
      }
      const dialer = new SipCallOutDialer({
        camera,
        cameraId: VIDEO_CAMERA_ID,
        cameraName: config.cameraName,
        sip,
        media,
        clock,
        logger,
        localHost: config.announcedIp,
        createAudio,
        loadMessage: (id) => messages.get(id),
        provider: () => provider,
        softphoneBindings: (account) => sip.softphoneBindings(account).map((b) => ({ contact: b.contact, destination: { connectionId: b.connectionId } })),
      });
      closers.push(() => dialer.close());
      const callOutService = new CallOutService({
        settings: outgoingSettings,
        dialer,
        events: camera.events,
        callLog: store.callLog,
        clock,
        logger,
        timeZone: () => camera.settings.running.locale.timeZone,
      });
      callOuts.service = callOutService;
      closers.push(() => callOutService.close());
      callOutService.on('change', () => live.broadcastStatus());

      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.httpPort, config.httpHost, () => resolve());
      });
      await prerender;
      video.start();

      const port = (http.address() as AddressInfo).port;
      const gateway = new Gateway(
        {
          httpUrl: `${tls ? 'https' : 'http'}://${config.announcedIp}:${port}/`,
          sipAddress,
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

/** Engine-rate samples of stored audio messages, decoded once per message. */
class MessageSamples {
  /** By message id; an entry from an older upload under the same id is replaced, so the cache holds one per message. */
  readonly #cache = new Map<string, { createdAt: number; samples: Int16Array }>();
  constructor(private readonly store: Store) {}

  get(id: string): { name: string; samples: Int16Array } | null {
    const meta = this.store.audioMessages.get(id);
    if (!meta) {
      this.#cache.delete(id);
      return null;
    }
    let entry = this.#cache.get(id);
    if (entry?.createdAt !== meta.createdAt) {
      const wav = this.store.audioMessages.wav(id);
      if (!wav) return null;
      entry = { createdAt: meta.createdAt, samples: readWav(wav).samples };
      this.#cache.set(id, entry);
    }
    return { name: meta.name, samples: entry.samples };
  }
}

/** Creates the admin on first start (random password unless one is configured). */
async function ensureAdmin(store: Store, configured: string | undefined, now: number): Promise<string | undefined> {
  if (configured) {
    await store.adminUsers.setPassword(ADMIN, configured, now);
    return undefined;
  }
  if (store.adminUsers.exists(ADMIN)) return undefined;
  const password = randomBytes(12).toString('base64url');
  await store.adminUsers.setPassword(ADMIN, password, now);
  return password;
}

/** The factory welcome message, spoken by the camera's own voice in its language. */
async function seedWelcome(store: Store, tts: EspeakTts, cameraName: string, now: number, language: SpokenLanguage): Promise<void> {
  const samples = await tts.synthesize(PHRASES[language].welcome(cameraName), voiceFor(language));
  store.audioMessages.putBuiltin(
    { id: WELCOME_ID, name: 'Welcome (built in)', durationMs: (samples.length / ENGINE_RATE) * 1000, wav: encodeWav(samples) },
    now,
  );
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

function registrationStatus(registration: Registration | undefined): CameraStatus['registration'] {
  if (!registration) return { state: 'disabled', aor: null, detail: 'no SIP provider configured' };
  return { state: registration.state, aor: registration.aor.toString(), detail: registration.detail };
}

function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}
