import type {
  CallInfo,
  CallOutcome,
  CameraEvent,
  CameraStatus,
  Caption,
  KeypadDigit,
  LastCaller,
  LedState,
  OutputName,
  OutputState,
  IncomingCallsSettings,
  SettingsView,
  SpokenLanguage,
} from '@camgate/protocol';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { InvalidStateError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { StoredImage } from '../store/event-repository.ts';
import { inBackground } from '../store/outbox.ts';
import type { CameraStore } from '../store/store.ts';
import type { CallPort, IncomingCall } from './call-port.ts';
import { answersTo, isAccepted, presentCaller, type CallerMatchOptions } from './caller-match.ts';
import { CameraCall, pinGuardKeys } from './camera-call.ts';
import { ledOf } from './call-state.ts';
import { ActionRunner } from './device/action-runner.ts';
import { EmailSender } from './device/email-sender.ts';
import { EventRecorder } from './device/event-recorder.ts';
import { TcpInternetProbe, unconfiguredInternetProbe, type InternetProbe, type TcpProbeTarget } from './device/internet-probe.ts';
import { LedIndicator } from './device/led-indicator.ts';
import { Output } from './device/output.ts';
import { LiveVideoSnapshotSource, SimulatedSnapshotSource, type SnapshotSource } from './device/snapshot-source.ts';
import { createKeypadMenu, type KeypadCommand } from './keypad-commands.ts';
import { fixedPhrases, PHRASES } from './phrases.ts';
import { PIN_LOCKOUT, PinGuard } from './pin-guard.ts';
import { SettingsService } from './settings-service.ts';

export type RejectReason = 'disabled' | 'not-accepted' | 'locked-out' | 'not-answering-to' | 'busy';
/** `ring`: send 180 Ringing before the camera answers (a ring time is set, or the call waits its turn). */
export type CallDecision = { accept: true; ring: boolean } | { accept: false; reason: RejectReason };

/** Calls waiting for their turn under the 'queue' busy policy; one more is refused as busy. */
export const MAX_QUEUED_CALLS = 3;

const REJECT_OUTCOME: Record<RejectReason, CallOutcome> = {
  busy: 'busy',
  disabled: 'disabled',
  'not-accepted': 'rejected',
  'locked-out': 'locked-out',
  'not-answering-to': 'rejected',
};

/** The parts of CameraStatus the camera knows; the glue adds name, SIP address, registration, media. */
export type CameraStatusPart = Pick<
  CameraStatus,
  'led' | 'calls' | 'outputs' | 'internet' | 'lastEventAt' | 'warnings' | 'settingsDirty'
>;

export interface CameraEvents extends Record<string, unknown[]> {
  led: [state: LedState];
  'call:update': [call: CallInfo];
  'call:ended': [call: CallInfo, outcome: CallOutcome];
  caption: [caption: Caption];
  output: [output: OutputState];
  event: [event: CameraEvent];
  'last-caller': [last: LastCaller];
  settings: [view: SettingsView];
}

export interface CameraOptions {
  /** The camera's id: its log lines and its PIN lock-outs carry it. */
  id?: string;
  store: CameraStore;
  clock: Clock;
  logger: Logger;
  /** Real camera: its still image URL behind an HttpSnapshotSource. Default: the simulated scene. */
  snapshots?: SnapshotSource;
  /** A still of the live video while it runs: event pictures then come from it, else from the simulated scene. */
  liveStill?: () => Promise<Buffer | undefined>;
  /** An Internet probe owned by the caller; otherwise the camera runs a TCP probe to `internetTarget` (none: 'unknown'). */
  internet?: InternetProbe;
  internetTarget?: TcpProbeTarget;
  emailTimeoutMs?: number;
  actionHttpTimeoutMs?: number;
  /** Calls of this camera that other gateways run (busy policy 'reject' counts them too). */
  callsElsewhere?: () => number;
}

/**
 * The camera: its settings, outputs, events, LEDs and the calls it takes. Owns everything it
 * creates and closes it in `close()`; the Store and an injected InternetProbe belong to the caller.
 */
export class Camera extends TypedEmitter<CameraEvents> {
  readonly settings: SettingsService;
  readonly outputs: Record<OutputName, Output>;
  readonly events: EventRecorder;
  readonly led: LedIndicator;
  readonly internet: InternetProbe;
  readonly pinGuard: PinGuard;
  readonly #actions: ActionRunner;
  readonly #menu: ReadonlyMap<KeypadDigit, KeypadCommand>;
  readonly #calls = new Map<string, CameraCall>();
  /** Calls ringing until the running call ends (busy policy 'queue'), oldest first, with their give-up timers. */
  readonly #queue = new Map<CameraCall, TimerHandle>();
  readonly #snapshots: SnapshotSource;
  readonly #ownsInternetProbe: boolean;
  readonly #log: Logger;
  #closed = false;

  constructor(private readonly options: CameraOptions) {
    super();
    const { store, clock, logger } = options;
    this.#log = logger.child({ component: 'camera', ...(options.id && { cameraId: options.id }) });
    this.settings = new SettingsService(
      store.settings,
      {
        messageExists: (id) => store.audioMessages.exists(id),
        emailProfileExists: (id) => store.emailProfiles.exists(id),
      },
      clock,
      this.#log,
    );
    this.outputs = { door: new Output('door', clock), light: new Output('light', clock) };
    const simulated = new SimulatedSnapshotSource(
      clock,
      () => ({ doorOpen: this.outputs.door.state.active, lightOn: this.outputs.light.state.active }),
      () => this.settings.running.locale.timeZone,
    );
    const snapshots = options.snapshots ?? (options.liveStill ? new LiveVideoSnapshotSource(options.liveStill, simulated) : simulated);
    this.#snapshots = snapshots;
    this.events = new EventRecorder(store.events, snapshots, clock, this.#log);
    this.led = new LedIndicator(clock);
    // The default camera keeps the single-camera release's scope, so its lock-outs survive the upgrade.
    const scope = options.id === undefined || options.id === 'camera' ? 'pin' : `pin@${options.id}`;
    this.pinGuard = new PinGuard(clock, PIN_LOCKOUT, { scope, repository: store.lockouts });
    this.#actions = new ActionRunner(this.#log, options.actionHttpTimeoutMs);
    this.#ownsInternetProbe = options.internet === undefined;
    if (options.internet) this.internet = options.internet;
    else if (!options.internetTarget) this.internet = unconfiguredInternetProbe;
    else {
      const probe = new TcpInternetProbe(options.internetTarget, clock, this.#log);
      void probe.start();
      this.internet = probe;
    }
    this.#menu = createKeypadMenu({
      clock,
      outputs: this.outputs,
      actions: this.#actions,
      events: this.events,
      email: new EmailSender(options.emailTimeoutMs),
      emailProfile: (id) => store.emailProfiles.get(id),
      internet: this.internet,
    });

    this.settings.on('change', (view) => this.safeEmit('settings', view));
    this.led.on('led', (state) => this.safeEmit('led', state));
    this.events.on('event', (event) => this.safeEmit('event', event));
    for (const output of Object.values(this.outputs)) output.on('change', (state) => this.safeEmit('output', state));
  }

  /**
   * Should the camera take this INVITE? Checks, in order: enabled, the dialled number
   * ("answer to", numbers read with the camera's country code and trunk prefix), the
   * accepted list, a PIN lock-out, the busy policy. Remembers the caller either way (the
   * dialog offers it for the list) and counts refused calls per source and reason.
   */
  decide(incoming: IncomingCall): CallDecision {
    this.#assertOpen();
    const settings = this.settings.running;
    const caller = presentCaller(incoming.caller.uri);
    const match: CallerMatchOptions = { countryCode: settings.locale.countryCode, trunkPrefix: settings.locale.trunkPrefix };
    const waits = settings.busy.policy === 'queue' && this.#calls.size > 0;
    const reason: RejectReason | null = !settings.enabled
      ? 'disabled'
      : !answersTo(incoming.requestUser, settings.answerTo, match)
        ? 'not-answering-to'
        : !isAccepted(incoming.caller, settings.acceptedCallers, match)
          ? 'not-accepted'
          : this.pinGuard.lockedUntil(pinGuardKeys(caller, incoming)) !== null
            ? 'locked-out'
            : this.#busy(settings.busy.policy)
              ? 'busy'
              : null;
    const now = this.options.clock.now();
    const last = { caller, at: now, answered: reason === null };
    inBackground(this.options.store.lastCaller.set(last));
    this.safeEmit('last-caller', last);
    this.#log.info(
      { callId: incoming.callId, caller, source: incoming.sourceAddress, transport: incoming.caller.transport, accept: reason === null, reason },
      'incoming call decision',
    );
    if (reason === null) return { accept: true, ring: settings.ringSeconds > 0 || waits };
    inBackground(this.options.store.rejectedCalls.record({ source: incoming.sourceAddress, reason: REJECT_OUTCOME[reason], caller, at: now }));
    return { accept: false, reason };
  }

  /** Reads this caller's lock-out records from the store before `decide`: another gateway may have locked it out. */
  syncLockouts(incoming: IncomingCall): Promise<void> {
    return this.pinGuard.sync(pinGuardKeys(presentCaller(incoming.caller.uri), incoming));
  }

  /** Is the camera too busy for one more call under `policy`? */
  #busy(policy: IncomingCallsSettings['busy']['policy']): boolean {
    if (policy === 'reject') return this.#calls.size + (this.options.callsElsewhere?.() ?? 0) > 0;
    if (policy === 'queue') return this.#queue.size >= MAX_QUEUED_CALLS;
    return false;
  }

  /**
   * Takes an accepted call: rings for the configured time, answers through the port and runs
   * the IVR. A call the camera placed passes `overrides` (no ring time, its own message, PIN or none).
   */
  startCall(port: CallPort, incoming: IncomingCall, overrides: Partial<IncomingCallsSettings> = {}): CameraCall {
    this.#assertOpen();
    if (this.#calls.has(port.callId)) throw new InvalidStateError(`call ${port.callId} is already running`);
    const { store, clock } = this.options;
    const caller = presentCaller(incoming.caller.uri);
    const settings = { ...this.settings.running, ...overrides };
    const call = new CameraCall({
      port,
      incoming,
      caller,
      settings,
      menu: this.#menu,
      pinGuard: this.pinGuard,
      clock,
      logger: this.options.logger,
    });
    this.#calls.set(call.callId, call);
    inBackground(store.callLog.start(call.callId, caller, clock.now()));

    call.on('update', (info) => {
      this.led.setCall(info.callId, ledOf(call.state));
      this.safeEmit('call:update', info);
    });
    call.on('caption', (caption) => this.safeEmit('caption', caption));
    call.on('command', ({ digit, name, ok }) => {
      inBackground(store.callLog.addCommand(call.callId, `${digit} ${name}${ok ? '' : ' (failed)'}`));
      if (!ok) this.led.flashError();
    });
    call.on('lockout', (until) => {
      this.led.flashError();
      void this.events.record('pin-lockout', `${caller} locked out until ${new Date(until).toISOString()}`, call.callId);
    });
    call.on('ended', (info, outcome) => {
      this.#calls.delete(info.callId);
      clock.clearTimeout(this.#queue.get(call));
      this.#queue.delete(call);
      this.#startNextQueued();
      this.led.setCall(info.callId, null);
      inBackground(store.callLog.finish(info.callId, clock.now(), outcome));
      this.safeEmit('call:ended', info, outcome);
      if (info.endsAt !== null && !this.#closed) {
        // Answered calls become camera events (with the picture at their end).
        const seconds = Math.round((clock.now() - info.startedAt) / 1000);
        void this.events.record('call', `call from ${caller}: ${outcome}, ${seconds} s`, info.callId);
      }
    });
    const running = this.#calls.size - this.#queue.size - 1;
    if (settings.busy.policy === 'queue' && running > 0) this.#enqueue(call, settings.busy.queueSeconds);
    else call.start();
    return call;
  }

  /** The call rings until the running one ends; after `seconds` it gives up (480 Temporarily Unavailable). */
  #enqueue(call: CameraCall, seconds: number): void {
    this.#log.info({ callId: call.callId, event: 'queued', waiting: this.#queue.size + 1, maxSeconds: seconds }, 'call waits for the running call');
    const timer = this.options.clock.setTimeout(() => {
      this.#queue.delete(call);
      this.#log.info({ callId: call.callId, event: 'queue-timeout' }, 'waiting call gave up');
      call.hangup('busy');
    }, seconds * 1000);
    this.#queue.set(call, timer);
  }

  #startNextQueued(): void {
    if (this.#calls.size > this.#queue.size || this.#closed) return; // a call still runs
    const next = this.#queue.keys().next();
    if (next.done) return;
    this.options.clock.clearTimeout(this.#queue.get(next.value));
    this.#queue.delete(next.value);
    next.value.start();
  }

  /** Everything the camera says word for word in `language`, to render once at start-up and on a language change. */
  fixedPhrases(language: SpokenLanguage): string[] {
    return fixedPhrases(PHRASES[language], [...this.#menu.keys()]);
  }

  call(callId: string): CameraCall | undefined {
    return this.#calls.get(callId);
  }

  get calls(): CameraCall[] {
    return [...this.#calls.values()];
  }

  /** Runs an output's action profile from outside a call (REST: POST /api/outputs/:name/trigger). */
  async triggerOutput(name: OutputName, cause = 'api'): Promise<OutputState> {
    this.#assertOpen();
    const output = this.outputs[name];
    this.#actions.run(output, this.settings.running.actions[name], cause);
    await this.events.record(name, `${name} ${output.state.active ? 'on' : 'off'} by ${cause}`);
    return output.state;
  }

  /** A picture of the camera now (the camera list's thumbnail). */
  snapshot(): Promise<StoredImage> {
    this.#assertOpen();
    return this.#snapshots.capture();
  }

  /** Deletes an audio message unless the running or stored settings use it (REST answers 409). */
  async deleteAudioMessage(id: string): Promise<boolean> {
    if (this.settings.uses({ messageId: id })) throw new InvalidStateError('the message is the welcome message in use');
    return await this.options.store.audioMessages.delete(id);
  }

  status(): CameraStatusPart {
    return {
      led: this.led.state,
      calls: this.calls.map((call) => call.info),
      outputs: Object.values(this.outputs).map((output) => output.state),
      internet: this.internet.status,
      lastEventAt: this.events.lastEventAt,
      warnings: this.settings.warnings,
      settingsDirty: this.settings.dirty,
    };
  }

  /** Resolves once HTTP calls of action profiles have finished and events are stored (tests, orderly shutdown, removal). */
  async settled(): Promise<void> {
    await Promise.all([this.#actions.settled(), this.events.settled()]);
  }

  /** Hangs up every call and stops every timer and probe it owns. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#queue.values()) this.options.clock.clearTimeout(timer);
    this.#queue.clear();
    for (const call of this.calls) call.hangup('error');
    this.#actions.close();
    for (const output of Object.values(this.outputs)) output.close();
    this.led.close();
    if (this.#ownsInternetProbe) this.internet.close();
    this.settings.removeAllListeners();
    this.events.removeAllListeners();
    this.removeAllListeners();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidStateError('camera is closed');
  }
}
