import type { AudioMessage, CameraDefinition, CameraStatus, CameraView, SpokenLanguage } from '@camgate/protocol';
import { ENGINE_RATE } from './audio/contracts.ts';
import type { EspeakTts } from './audio/speech/espeak-tts.ts';
import type { PhraseCache } from './audio/speech/phrase-cache.ts';
import { voiceFor } from './audio/speech/voices.ts';
import { encodeWav, readWav } from './audio/wav.ts';
import { CallManager } from './calls/call-manager.ts';
import { SipCallOutDialer, type ProviderAccount } from './calls/call-out-dialer.ts';
import { CallOutService } from './camera/call-out/call-out-service.ts';
import { OutgoingCallsSettingsService } from './camera/call-out/outgoing-calls-settings.ts';
import { Camera, type CameraStatusPart } from './camera/camera.ts';
import { sipUserOf, type RunningCamera } from './camera/camera-registry.ts';
import { HttpSnapshotSource } from './camera/device/snapshot-source.ts';
import type { TcpProbeTarget } from './camera/device/internet-probe.ts';
import { PHRASES } from './camera/phrases.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { AudioThreadPool } from './media/audio-threads/audio-thread-pool.ts';
import type { MediaService } from './media/media-service.ts';
import { createRtspPuller } from './media/video/rtsp-puller.ts';
import { SimulatedScene } from './media/video/simulated-scene.ts';
import { VideoSupervisor } from './media/video/video-supervisor.ts';
import type { SipStack } from './sip/sip-stack.ts';
import { SipUri } from './sip/message/uri.ts';
import type { Registration } from './sip/ua/registration.ts';
import { DATABASE_UNREACHABLE, type CameraStore } from './store/store.ts';
import { LiveViewServer } from './web/live-view-server.ts';

const WELCOME_ID = 'welcome';

/** What every camera shares: the gateway's media, SIP stack, speech and devices. */
export interface CameraUnitContext {
  store: CameraStore;
  media: MediaService;
  sip: SipStack;
  tts: EspeakTts;
  phrases: PhraseCache;
  /** The calls' audio engines, on worker threads. */
  audioThreads: AudioThreadPool;
  clock: Clock;
  logger: Logger;
  internetTarget?: TcpProbeTarget;
  webrtc: { listenIp: string; announcedIp: string };
  videoAlwaysOn: boolean;
  /** The announced address: host of the camera's own SIP address in calls it places. */
  localHost: string;
  /** `sip:<user>@<announced address>` as printed and shown. */
  sipAddress(user: string): string;
  /** Something in the status changed that is no event of the camera's own (video, registration). */
  onStatusChange(id: string): void;
  /** Gateway-wide parts of the status (media workers). */
  mediaStatus(): CameraStatus['media'];
  /** The camera's own LEDs, outputs and calls merged with other gateways' (SharedCameraState.merge). */
  mergeShared(id: string, own: CameraStatusPart): CameraStatusPart & Pick<CameraStatus, 'cluster'>;
  /** Calls of the camera that other gateways run. */
  callsElsewhere(id: string): number;
}

/**
 * One camera with everything it runs: its settings and call logic (Camera), its calls
 * (CallManager), its video (VideoSupervisor + LiveViewServer), its welcome message and,
 * optionally, its own provider registration. Built from a definition; close() ends it all.
 */
export class CameraUnit implements RunningCamera {
  readonly camera: Camera;
  readonly store: CameraStore;
  readonly calls: CallManager;
  readonly video: VideoSupervisor;
  readonly liveView: LiveViewServer;
  readonly registration: Registration | undefined;
  readonly outgoingSettings: OutgoingCallsSettingsService;
  readonly callOuts: CallOutService;
  readonly #dialer: SipCallOutDialer;
  #definition: CameraDefinition;
  #language: SpokenLanguage;
  readonly #messages: MessageSamples;
  #closed = false;

  private constructor(
    definition: CameraDefinition,
    private readonly ctx: CameraUnitContext,
  ) {
    this.#definition = definition;
    const { id } = definition;
    const { store, clock, media } = ctx;
    this.store = store;
    const logger = ctx.logger.child({ cameraId: id });
    this.camera = new Camera({
      id,
      store,
      clock,
      logger,
      ...(ctx.internetTarget && { internetTarget: ctx.internetTarget }),
      ...(definition.snapshotUrl && { snapshots: new HttpSnapshotSource(definition.snapshotUrl) }),
      // Event pictures from the live video while it runs (the supervisor is built below).
      liveStill: () => this.video.still(),
      callsElsewhere: () => ctx.callsElsewhere(id),
    });
    this.#language = this.camera.settings.running.locale.language;
    this.#messages = new MessageSamples(store);
    const createAudio = (callId: string) =>
      ctx.audioThreads.createCallAudio(callId, {
        intercom: this.camera.settings.running.intercom,
        voice: voiceFor(this.camera.settings.running.locale.language),
      });
    this.calls = new CallManager({
      cameraId: id,
      camera: this.camera,
      media,
      clock,
      logger,
      createAudio,
      loadMessage: (messageId) => this.#messages.get(messageId),
    });
    this.video = new VideoSupervisor({
      cameraId: id,
      source: definition.videoUrl
        ? createRtspPuller({ cameraId: id, url: definition.videoUrl, logger })
        : new SimulatedScene({ cameraId: id, cameraName: definition.name, logger }),
      router: () => media.cameraRouter(id),
      alwaysOn: ctx.videoAlwaysOn,
      logger,
    });
    this.liveView = new LiveViewServer({
      cameraId: id,
      video: this.video,
      router: () => media.cameraRouter(id),
      webrtc: ctx.webrtc,
      logger,
      onChange: () => ctx.onStatusChange(id),
    });
    media.attachVideo(id, this.video);
    let provider: ProviderAccount | undefined;
    if (definition.registration) {
      const { registrar, transport, username, password, aor } = definition.registration;
      const [host, port = '5060'] = registrar.split(':');
      provider = {
        registrar: { host: host!, port: Number(port), transport },
        aor: aor ?? new SipUri({ user: username, host: host! }).toString(),
        username,
        password,
      };
      this.registration = ctx.sip.register(provider);
      this.registration.on('state', () => ctx.onStatusChange(id));
    }
    // Calls the camera places (bell, alarms) through the same call logic as incoming ones.
    this.outgoingSettings = new OutgoingCallsSettingsService(store.outgoingCalls, { messageExists: (messageId) => store.audioMessages.exists(messageId) }, clock, logger);
    this.#dialer = new SipCallOutDialer({
      camera: this.camera,
      cameraId: id,
      cameraName: definition.name,
      sip: ctx.sip,
      media,
      clock,
      logger,
      localHost: ctx.localHost,
      createAudio,
      loadMessage: (messageId) => this.#messages.get(messageId),
      provider: () => provider,
      softphoneBindings: (account) => ctx.sip.softphoneBindings(account).map((b) => ({ contact: b.contact, destination: { connectionId: b.connectionId } })),
    });
    this.callOuts = new CallOutService({
      settings: this.outgoingSettings,
      dialer: this.#dialer,
      events: this.camera.events,
      callLog: store.callLog,
      clock,
      logger,
      timeZone: () => this.camera.settings.running.locale.timeZone,
    });
    this.callOuts.on('change', () => ctx.onStatusChange(id));
    // The welcome and the fixed phrases speak the camera's language, re-rendered when it changes.
    this.camera.settings.on('change', (view) => {
      if (view.running.locale.language === this.#language) return;
      this.#language = view.running.locale.language;
      void this.#prepareSpeech();
    });
  }

  /** Builds the camera and renders its welcome and phrases before it takes calls. */
  static async create(definition: CameraDefinition, ctx: CameraUnitContext): Promise<CameraUnit> {
    const unit = new CameraUnit(definition, ctx);
    await unit.#prepareSpeech();
    unit.video.start();
    return unit;
  }

  get definition(): CameraDefinition {
    return this.#definition;
  }

  get id(): string {
    return this.#definition.id;
  }

  get sipAddress(): string {
    return this.ctx.sipAddress(sipUserOf(this.#definition));
  }

  get registrationAor(): string | undefined {
    return this.registration?.aor.toString();
  }

  renamed(definition: CameraDefinition): void {
    const nameChanged = definition.name !== this.#definition.name;
    this.#definition = definition;
    if (nameChanged) void this.#prepareSpeech();
    this.ctx.onStatusChange(this.id);
  }

  status(): CameraStatus {
    const merged = this.ctx.mergeShared(this.id, this.camera.status());
    return {
      id: this.id,
      name: this.#definition.name,
      sipAddress: this.sipAddress,
      ...merged,
      // Calls go on with the settings in memory; changes wait in the outbox until the server is back.
      warnings: this.ctx.store.health().reachable ? merged.warnings : [...merged.warnings, `${DATABASE_UNREACHABLE}: changes are written when it is back`],
      registration: registrationStatus(this.registration),
      media: this.ctx.mediaStatus(),
      video: this.liveView.status(),
      callOuts: this.callOuts.statuses,
    };
  }

  view(): CameraView {
    const d = this.#definition;
    return {
      id: d.id,
      name: d.name,
      sipUser: sipUserOf(d),
      sipAddress: this.sipAddress,
      snapshotUrl: d.snapshotUrl ?? null,
      videoUrl: d.videoUrl ?? null,
      registration: d.registration
        ? { registrar: d.registration.registrar, transport: d.registration.transport, username: d.registration.username, aor: this.registrationAor ?? null }
        : null,
    };
  }

  /** Another gateway changed this camera's stored settings or audio messages: they are read again. */
  async reloadStored(): Promise<void> {
    const { store } = this;
    const messages = JSON.stringify(store.audioMessages.list());
    await Promise.all([store.settings.refresh(), store.outgoingCalls.refresh(), store.audioMessages.refresh()]);
    if (this.#closed) return;
    const incoming = store.settings.load();
    const outgoing = store.outgoingCalls.load();
    const changed = [
      incoming !== null && this.camera.settings.storedElsewhere(incoming),
      outgoing !== null && this.outgoingSettings.storedElsewhere(outgoing),
      JSON.stringify(store.audioMessages.list()) !== messages,
    ];
    // The periodic re-read mostly finds nothing new: the UI hears only of a change.
    if (changed.includes(true)) this.ctx.onStatusChange(this.id);
  }

  /** Ends the calls with a BYE, then stops video, registration and the camera. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.callOuts.close();
    await this.#dialer.close();
    await this.calls.close();
    // The ended calls' events are still being stored: wait, so no row outlives a removed camera.
    await this.camera.settled();
    this.liveView.close();
    this.video.close();
    this.camera.close();
    await this.registration?.close();
    await this.ctx.media.closeCamera(this.id);
  }

  async #prepareSpeech(): Promise<void> {
    const language = this.#language;
    const { ctx } = this;
    try {
      const samples = await ctx.tts.synthesize(PHRASES[language].welcome(this.#definition.name), voiceFor(language));
      if (this.#closed) return;
      const welcome = await ctx.store.audioMessages.putBuiltin(
        { id: WELCOME_ID, name: 'Welcome (built in)', durationMs: (samples.length / ENGINE_RATE) * 1000, wav: encodeWav(samples) },
        ctx.clock.now(),
      );
      // Decoded already: calls play it without a database read (and while the database is unreachable).
      this.#messages.prime(welcome, samples);
      await ctx.phrases.prerender(this.camera.fixedPhrases(language), voiceFor(language));
    } catch (error) {
      ctx.logger.warn({ err: error, cameraId: this.id }, 'welcome message or phrases not rendered');
    }
  }
}

/** Engine-rate samples of a camera's stored audio messages, decoded once per message. */
class MessageSamples {
  /** By message id; an entry from an older upload under the same id is replaced, so the cache holds one per message. */
  readonly #cache = new Map<string, { createdAt: number; samples: Int16Array }>();
  constructor(private readonly store: CameraStore) {}

  prime(message: AudioMessage, samples: Int16Array): void {
    this.#cache.set(message.id, { createdAt: message.createdAt, samples });
  }

  async get(id: string): Promise<{ name: string; samples: Int16Array } | null> {
    const meta = this.store.audioMessages.get(id);
    if (!meta) {
      this.#cache.delete(id);
      return null;
    }
    let entry = this.#cache.get(id);
    if (entry?.createdAt !== meta.createdAt) {
      const wav = await this.store.audioMessages.wav(id);
      if (!wav) return null;
      entry = { createdAt: meta.createdAt, samples: readWav(wav).samples };
      this.#cache.set(id, entry);
    }
    return { name: meta.name, samples: entry.samples };
  }
}

function registrationStatus(registration: Registration | undefined): CameraStatus['registration'] {
  if (!registration) return { state: 'disabled', aor: null, detail: 'no SIP provider configured' };
  return { state: registration.state, aor: registration.aor.toString(), detail: registration.detail };
}
