/**
 * <camgate-softphone>: calls the camera from the browser. Call / Hang up, a DTMF keypad
 * (on screen and on the keyboard), the camera's live audio mode, its spoken lines as
 * captions, the time left before it hangs up, its LED and the audio levels.
 *
 * Attributes: `gateway` (base URL; default same origin), `dtmf-mode` ('info' | 'rfc4733'),
 * `username` / `password` (a softphone SIP account; without them the account comes from
 * POST /api/softphone/credentials, which needs an admin session), `camera` (SIP URI to
 * call; default the one the gateway names).
 * With `username` / `password` it also registers with the gateway, so the camera can call
 * it (doorbell, alarm): the call rings with the camera's name and Answer / Decline
 * (`data-incoming="ringing"`, `data-registration` = RegistrationState on the host).
 * Events: `camgate-call-state` { state, callId, end } whenever the call state changes.
 * The host reflects the call state as `data-call-state`, how the last call ended as
 * `data-call-end` (e.g. `locked-out`), the audio path as `data-media` (MediaState) and the
 * camera's picture as `data-video` (VideoState). The picture sits above the keypad with
 * the captions laid over its lower part.
 *
 * Keyboard: Call and Hang up hand the focus to each other, so Enter, the digit keys and
 * Enter again make a whole call without the mouse.
 */
import { LitElement, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { KEYPAD_COMMANDS } from '@camgate/protocol';
import type { AudioMode, CallInfo, Caption, KeypadDigit } from '@camgate/protocol';
import { buttonStyles, definitionListStyles, ledStyles, panelStyles } from '../../styles/shared.styles.ts';
import { softphoneStyles } from './softphone.styles.ts';
import '../keypad/keypad.ts';
import type { CamgateKeypad, KeyEvent } from '../keypad/keypad.component.ts';
import { SipController, DTMF_KEYS } from '../../controllers/sip-controller.ts';
import type { DtmfKey, DtmfMode, MediaState, SipTarget } from '../../controllers/sip-controller.ts';
import type { CallState } from '../../controllers/call-state.ts';
import { RegistrationController } from '../../controllers/registration-controller.ts';
import { SocketController } from '../../controllers/socket-controller.ts';
import { LevelController, meterPosition } from '../../controllers/level-controller.ts';
import { TickController } from '../../controllers/tick-controller.ts';
import { ApiClient, ApiError } from '../../services/api-client.ts';
import { resolveGatewayUrl, sipDomain, sipWebSocketUrl } from '../../services/gateway-url.ts';
import { formatDuration } from '../../services/format.ts';

export const AUDIO_MODE_LABELS: Record<AudioMode, string> = {
  none: 'No audio',
  listen: 'Listen',
  speak: 'Speak',
  intercom: 'Intercom',
};

const STATE_LABELS: Record<CallState, string> = {
  idle: 'Ready to call the camera.',
  connecting: 'Connecting…',
  ringing: 'Ringing…',
  'in-call': 'In call.',
  ended: 'Call ended.',
};

const PHASE_LABELS: Record<CallInfo['phase'], string> = {
  ringing: 'Ringing…',
  welcome: 'Playing the welcome message.',
  pin: 'Enter the PIN on the keypad.',
  connected: 'Connected: choose a command (0-9), then press #.',
  ended: 'Call ended.',
};

const MEDIA_LABELS: Record<MediaState, string> = {
  none: '',
  connecting: 'Audio: connecting…',
  connected: 'Audio: connected.',
  interrupted: 'Audio: interrupted, reconnecting…',
  failed: 'Audio: failed.',
};

/** Captions kept on screen; older lines scroll away. */
const MAX_CAPTIONS = 50;
/** Until the INVITE has passed the gateway's challenge it may not know the Call-ID yet. */
const WATCH_RETRY_MS = 300;

export type CallStateEvent = CustomEvent<{ state: CallState; callId: string | null; end: string | null }>;

export class CamgateSoftphone extends LitElement {
  static override styles = [panelStyles, buttonStyles, ledStyles, definitionListStyles, softphoneStyles];
  static override properties = {
    gateway: { type: String },
    dtmfMode: { type: String, attribute: 'dtmf-mode' },
    username: { type: String },
    password: { type: String },
    camera: { type: String },
    call: { state: true },
    captions: { state: true },
    modeRequest: { state: true },
    notice: { state: true },
    pinTyped: { state: true },
  };

  /** Base URL of the gateway; empty = the page's origin. */
  gateway = '';
  dtmfMode: DtmfMode = 'info';
  username = '';
  password = '';
  /** The camera to call: its SIP user (`frontdoor`) or a whole SIP URI; empty = the default camera (sip:camera@gateway-host). */
  camera = '';

  /** The gateway's view of this call (`call:update`). */
  private call: CallInfo | null = null;
  private captions: Caption[] = [];
  /** Audio mode asked for and not yet confirmed by the gateway. */
  private modeRequest: AudioMode | null = null;
  /** A problem that is not the end of the call (e.g. a refused mode switch). */
  private notice = '';
  /** Keys typed while the camera asks for the PIN, shown as dots. */
  private pinTyped = 0;

  private readonly levels = new LevelController(this);
  private readonly tick = new TickController(this);
  private readonly sip = new SipController(this, {
    onCallId: (callId) => void this.watchCall(callId),
    onLocalStream: (stream) => this.levels.watch('mic', stream),
    onRemoteStream: (stream) => this.levels.watch('received', stream),
  });
  private readonly socket = new SocketController(this, {
    gateway: () => resolveGatewayUrl(this.gateway),
    listeners: {
      // Events name their camera first; this softphone follows its own call only (by Call-ID).
      'call:update': (_camera, call) => this.onCallUpdate(call),
      'call:ended': (_camera, call) => this.onCallUpdate(call),
      caption: (_camera, caption) => this.onCaption(caption),
    },
    onConnect: () => {
      if (this.sip.callId && this.callActive) void this.watchCall(this.sip.callId);
    },
  });
  private readonly registration = new RegistrationController(this, () => this.callActive);
  #reportedState: CallState = 'idle';

  override connectedCallback(): void {
    super.connectedCallback();
    this.dataset.callState = this.sip.state;
    window.addEventListener('keydown', this.onKeydown);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.onKeydown);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('gateway') && changed.get('gateway') !== undefined && this.isConnected) this.socket.connect();
    if ((changed.has('username') || changed.has('password') || changed.has('gateway')) && this.isConnected) this.register();
  }

  /** With an account of its own the softphone can be called: it registers (again, for a new account). */
  private register(): void {
    if (!this.username || !this.password) return this.registration.stop();
    void this.target().then((target) => this.registration.start(target), () => this.registration.stop());
  }

  /** Answers the camera's ringing call. */
  answerIncoming(): void {
    const ring = this.registration.take();
    if (!ring) return;
    this.call = null;
    this.captions = [];
    this.notice = '';
    this.pinTyped = 0;
    void this.sip.answer(ring.session, ring.callId, this.dtmfMode === 'rfc4733' ? 'rfc4733' : 'info');
  }

  declineIncoming(): void {
    this.registration.decline();
  }

  protected override updated(): void {
    this.tick.run(this.sip.state === 'in-call');
    this.dataset.media = this.sip.media;
    this.dataset.registration = this.registration.state;
    if (this.registration.ringing) this.dataset.incoming = 'ringing';
    else delete this.dataset.incoming;
    this.dataset.video = this.sip.video;
    const state = this.sip.state;
    if (state !== this.#reportedState) {
      this.#reportedState = state;
      this.dataset.callState = state;
      if (state === 'ended' && this.sip.end) this.dataset.callEnd = this.sip.end.kind;
      else delete this.dataset.callEnd;
      this.handOverFocus(state);
      this.dispatchEvent(
        new CustomEvent('camgate-call-state', {
          detail: { state, callId: this.sip.callId, end: this.sip.end?.message ?? null },
          bubbles: true,
          composed: true,
        }),
      );
    }
  }

  /** SIP Call-ID of the current (or last) call, e.g. to follow it on the gateway's socket. */
  get callId(): string | null {
    return this.sip.callId;
  }

  /** Starts a call (the Call button). */
  startCall(): void {
    this.call = null;
    this.captions = [];
    this.notice = '';
    this.pinTyped = 0;
    void this.sip.call(this.target(), this.dtmfMode === 'rfc4733' ? 'rfc4733' : 'info');
  }

  hangUp(): void {
    this.sip.hangUp();
  }

  /** Sends one DTMF key to the camera, as if pressed on the keypad. */
  pressKey(key: DtmfKey): void {
    if (this.sip.state !== 'in-call') return;
    this.sip.sendDtmf(key);
    if (this.call?.phase === 'pin') this.pinTyped = key === '#' || key === '*' ? 0 : this.pinTyped + 1; // * starts the PIN over
  }

  /**
   * The button just pressed turns disabled and would drop the focus to the page: give it to
   * the other one (Call -> Hang up -> Call), unless the person has moved on elsewhere.
   */
  private handOverFocus(state: CallState): void {
    const focusLost = document.activeElement === document.body || document.activeElement === null;
    if (!focusLost && !this.matches(':focus-within')) return;
    const target = state === 'connecting' ? 'button.hangup' : state === 'ended' ? 'button.call' : null;
    if (target) this.renderRoot.querySelector<HTMLButtonElement>(target)?.focus();
  }

  private get callActive(): boolean {
    return this.sip.state === 'connecting' || this.sip.state === 'ringing' || this.sip.state === 'in-call';
  }

  private async target(): Promise<SipTarget> {
    const gateway = resolveGatewayUrl(this.gateway);
    const domain = sipDomain(gateway);
    const wsUrl = sipWebSocketUrl(gateway);
    if (this.username && this.password) {
      return {
        wsUrl,
        uri: `sip:${this.username}@${domain}`,
        username: this.username,
        password: this.password,
        cameraUri: cameraTarget(this.camera || 'camera', domain),
      };
    }
    // The gateway's API serves its own page only: elsewhere the account must be given.
    if (gateway.origin !== location.origin) throw new Error('Give the softphone the username and password of a softphone account.');
    try {
      const credentials = await new ApiClient(gateway).softphoneCredentials();
      // The URL this page already reaches the gateway at beats the one the gateway guesses.
      return { ...credentials, wsUrl, cameraUri: this.camera ? cameraTarget(this.camera, domain) : credentials.cameraUri };
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        throw new Error('Sign in to the camera first, or give the softphone a username and password.');
      throw error instanceof Error ? error : new Error(String(error));
    }
  }

  private async watchCall(callId: string): Promise<void> {
    while (this.sip.callId === callId && this.callActive) {
      const result = await this.socket.watchCall(callId);
      if (result.ok) return;
      await new Promise((resolve) => setTimeout(resolve, WATCH_RETRY_MS));
    }
  }

  private onCallUpdate(call: CallInfo): void {
    if (call.callId !== this.sip.callId) return; // an admin socket hears every call
    if (call.phase !== 'pin') this.pinTyped = 0;
    this.call = call;
    if (this.modeRequest === call.audioMode) this.modeRequest = null;
  }

  private onCaption(caption: Caption): void {
    if (caption.callId !== this.sip.callId) return;
    // A (re)watch replays the call's recent captions: keep each once.
    if (this.captions.some((known) => known.at === caption.at && known.text === caption.text)) return;
    this.captions = [...this.captions, caption].slice(-MAX_CAPTIONS);
  }

  private async setAudioMode(mode: AudioMode): Promise<void> {
    const callId = this.sip.callId;
    if (!callId) return;
    this.modeRequest = mode;
    this.notice = '';
    const result = await this.socket.setAudioMode(callId, mode);
    if (!result.ok) {
      this.modeRequest = null;
      this.notice = `The camera did not switch to ${AUDIO_MODE_LABELS[mode]}: ${result.error}`;
    }
  }

  /** The physical keyboard dials while the softphone (or nothing in particular) has focus. */
  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    const key = DTMF_KEYS.find((k) => k === event.key);
    if (!key || this.sip.state !== 'in-call') return;
    const origin = event.composedPath()[0];
    if (origin instanceof HTMLElement && (origin.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(origin.tagName))) return;
    const active = document.activeElement;
    if (!this.matches(':focus-within') && active !== null && active !== document.body) return;
    event.preventDefault();
    this.pressKey(key);
    this.renderRoot.querySelector<CamgateKeypad>('camgate-keypad')?.flash(key);
  };

  override render() {
    const state = this.sip.state;
    const inCall = state === 'in-call';
    const call = this.call;
    const connected = inCall && call?.phase === 'connected';
    const end = state === 'ended' ? this.sip.end : null;
    return html`
      <h2>Call the camera</h2>
      ${this.registration.ringing
        ? html`<div class="incoming" role="alertdialog" aria-label="Incoming call">
            <p>Incoming call from <strong>${this.registration.ringing.caller}</strong></p>
            <button type="button" class="answer" @click=${this.answerIncoming}>Answer</button>
            <button type="button" class="decline" @click=${this.declineIncoming}>Decline</button>
          </div>`
        : nothing}
      <div class="row">
        <button type="button" class="call" ?disabled=${this.callActive} @click=${this.startCall}>Call</button>
        <button type="button" class="hangup" ?disabled=${!this.callActive} @click=${this.hangUp}>Hang up</button>
        <span class="led" data-led=${call?.led ?? 'idle'}>LED: ${call?.led ?? 'idle'}</span>
      </div>
      <p class="status" role="status">${this.statusText(call)}</p>
      ${inCall && this.sip.media !== 'none'
        ? html`<p class="media" data-media=${this.sip.media}>${MEDIA_LABELS[this.sip.media]}</p>`
        : nothing}
      ${call?.phase === 'pin' && inCall
        ? html`<p class="pin-entry" aria-live="polite">PIN: <span aria-label=${`${this.pinTyped} digits typed`}>${'•'.repeat(this.pinTyped) || '–'}</span></p>`
        : nothing}
      ${this.sip.microphoneProblem && state !== 'idle' ? html`<p class="notice" role="status">${this.sip.microphoneProblem}</p>` : nothing}
      ${end?.error ? html`<p class="error" role="alert" data-end=${end.kind}>${end.message}</p>` : nothing}
      ${this.notice ? html`<p class="error" role="alert">${this.notice}</p>` : nothing}
      ${inCall ? this.renderTimes(call) : nothing}
      <div class="row modes" role="group" aria-label="Audio mode">
        ${(Object.keys(AUDIO_MODE_LABELS) as AudioMode[]).map(
          (mode) => html`<button
            type="button"
            aria-pressed=${connected && call?.audioMode === mode ? 'true' : 'false'}
            ?disabled=${!connected || this.modeRequest !== null}
            @click=${() => this.setAudioMode(mode)}
          >${AUDIO_MODE_LABELS[mode]}</button>`,
        )}
      </div>
      ${call?.selectedCommand != null ? this.renderSelected(call.selectedCommand as KeypadDigit) : nothing}
      ${inCall && this.sip.video === 'unavailable'
        ? html`<p class="notice video-problem" role="status">Video unavailable: ${this.sip.videoProblem}</p>`
        : nothing}
      <div class="picture" ?hidden=${!this.sip.videoStream}>
        <video autoplay muted playsinline .srcObject=${this.sip.videoStream} aria-label="The camera's picture"></video>
        <div class="caption-overlay" aria-hidden="true">${this.captions.slice(-2).map((caption) => html`<p>${caption.text}</p>`)}</div>
      </div>
      <camgate-keypad ?disabled=${!inCall} @camgate-key=${(e: KeyEvent) => this.pressKey(e.detail.key)}></camgate-keypad>
      <div class="row">
        <label>Microphone <meter min="0" max="1" .value=${meterPosition(this.levels.micLevel)} aria-label="Microphone level"></meter></label>
        <label>Camera <meter min="0" max="1" .value=${meterPosition(this.levels.receivedLevel)} aria-label="Camera audio level"></meter></label>
      </div>
      <div class="captions" role="log" aria-live="polite" aria-label="What the camera says">
        ${this.captions.map((caption) => html`<p>${caption.text}</p>`)}
      </div>
      <audio autoplay .srcObject=${this.sip.remoteStream}></audio>
    `;
  }

  private statusText(call: CallInfo | null): string {
    const state = this.sip.state;
    if (state === 'in-call' && call) return PHASE_LABELS[call.phase];
    const end = this.sip.end;
    // Errors get their own alert; a plain ending says how it ended.
    if (state === 'ended' && end && !end.error) return end.message;
    return STATE_LABELS[state];
  }

  private renderTimes(call: CallInfo | null) {
    const now = this.tick.now;
    return html`<dl>
      <dt>Call time</dt>
      <dd data-role="call-time">${call ? formatDuration(now - call.startedAt) : '0:00'}</dd>
      ${call?.endsAt != null
        ? html`<dt>Camera hangs up in</dt><dd data-role="time-left">${formatDuration(call.endsAt - now)}</dd>`
        : nothing}
    </dl>`;
  }

  private renderSelected(digit: KeypadDigit) {
    const command = KEYPAD_COMMANDS[digit];
    return html`<p class="status">Selected: ${digit} – ${command ?? 'not available'} (press # to run it)</p>`;
  }
}

/** A camera's SIP user becomes `sip:<user>@<gateway host>`; a whole SIP URI stays as given. */
function cameraTarget(camera: string, domain: string): string {
  return /^sips?:/i.test(camera) ? camera : `sip:${camera}@${domain}`;
}
