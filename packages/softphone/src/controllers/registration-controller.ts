/**
 * Keeps the softphone registered with the gateway (REGISTER over its SIP WebSocket, digest
 * with the softphone account) so the camera can call it: doorbell and alarm call-outs.
 * A call that comes in rings (a soft two-tone, repeated) until it is answered, declined,
 * or the camera stops it (another tab answered, the ring time is over).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent, UA } from 'jssip/lib/UA';
import { createUserAgent, type SipTarget } from './sip-controller.ts';

export type RegistrationState = 'off' | 'registering' | 'registered' | 'failed';

export interface IncomingRing {
  session: RTCSession;
  callId: string;
  /** Who calls (the camera's name), plain text. */
  caller: string;
}

/** Ring cadence: a 0.4 s two-tone burst twice, then a pause (about a European ring). */
const RING_PERIOD_MS = 3000;

export class RegistrationController implements ReactiveController {
  state: RegistrationState = 'off';
  /** The call ringing now, or null. */
  ringing: IncomingRing | null = null;

  #ua: UA | null = null;
  #ringer: Ringer | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    /** True while the softphone has a call of its own (a new one is then refused busy). */
    private readonly busy: () => boolean,
  ) {
    host.addController(this);
  }

  /** Registers with `target`'s account (again, if it changed). */
  start(target: SipTarget): void {
    this.stop();
    const ua = createUserAgent(target, { register: true });
    this.#ua = ua;
    this.#set('registering');
    ua.on('registered', () => this.#ua === ua && this.#set('registered'));
    ua.on('unregistered', () => this.#ua === ua && this.#set('registering'));
    ua.on('registrationFailed', () => this.#ua === ua && this.#set('failed'));
    ua.on('newRTCSession', (event: RTCSessionEvent) => {
      if (this.#ua !== ua || event.originator !== 'remote') return;
      const { session, request } = event;
      if (this.ringing || this.busy()) {
        session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
        return;
      }
      const identity = session.remote_identity;
      this.ringing = { session, callId: request.getHeader('Call-ID'), caller: identity.display_name || identity.uri.user || 'camera' };
      this.#ringer ??= new Ringer();
      this.#ringer.start();
      const gone = () => {
        if (this.ringing?.session !== session) return;
        this.ringing = null;
        this.#ringer?.stop();
        this.host.requestUpdate();
      };
      session.on('failed', gone);
      session.on('ended', gone);
      session.on('accepted', gone);
      this.host.requestUpdate();
    });
    ua.start();
  }

  /** Takes the ringing call out of the ring state; the caller then answers it. */
  take(): IncomingRing | null {
    const ring = this.ringing;
    this.ringing = null;
    this.#ringer?.stop();
    this.host.requestUpdate();
    return ring;
  }

  decline(): void {
    const ring = this.take();
    if (ring && !ring.session.isEnded()) ring.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  }

  stop(): void {
    this.decline();
    const ua = this.#ua;
    this.#ua = null;
    ua?.stop();
    this.#set('off');
  }

  hostDisconnected(): void {
    this.stop();
    this.#ringer?.close();
    this.#ringer = null;
  }

  #set(state: RegistrationState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.requestUpdate();
  }
}

/** The ring sound, made with Web Audio (no file to load). */
class Ringer {
  #context: AudioContext | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    this.stop();
    try {
      this.#context ??= new AudioContext();
    } catch {
      return; // no audio output: the banner still shows the call
    }
    void this.#context.resume().catch(() => undefined);
    this.#burst();
    this.#timer = setInterval(() => this.#burst(), RING_PERIOD_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.stop();
    void this.#context?.close().catch(() => undefined);
    this.#context = null;
  }

  #burst(): void {
    const context = this.#context;
    if (!context) return;
    const gain = context.createGain();
    gain.gain.value = 0.1;
    gain.connect(context.destination);
    for (const [offset, hz] of [[0, 425], [0.6, 425]] as const) {
      for (const f of [hz, hz * 1.25]) {
        const tone = context.createOscillator();
        tone.frequency.value = f;
        tone.connect(gain);
        tone.start(context.currentTime + offset);
        tone.stop(context.currentTime + offset + 0.4);
      }
    }
  }
}
