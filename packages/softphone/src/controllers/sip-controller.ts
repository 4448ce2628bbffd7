/**
 * Places one call at a time from the browser to the camera with JsSIP over the gateway's
 * SIP WebSocket (RFC 7118). No REGISTER: the softphone only calls out, and the gateway
 * challenges each INVITE (407) for the softphone account.
 *
 * Each call gets its own UA, started on Call and stopped when the call ends, so a dead
 * WebSocket can never outlive the call it belonged to.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { UA } from 'jssip/lib/UA';
import { CallStateMachine } from './call-state.ts';
import type { CallState } from './call-state.ts';
import { callEnd, describeCallEnd } from './call-end-reason.ts';
import type { CallEnd } from './call-end-reason.ts';

/** Everything needed to reach the camera. */
export interface SipTarget {
  /** `ws(s)://gateway/sip` */
  wsUrl: string;
  /** The softphone's own SIP URI (From). */
  uri: string;
  username: string;
  password: string;
  cameraUri: string;
}

/** SIP INFO (application/dtmf-relay, JsSIP's default) or RFC 4733 telephone-events in RTP. */
export type DtmfMode = 'info' | 'rfc4733';

export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
export type DtmfKey = (typeof DTMF_KEYS)[number];

// Test tones and the camera's DTMF detector need the raw signal: no voice processing.
const MICROPHONE: MediaStreamConstraints = {
  audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  video: false,
};

export interface SipControllerDelegate {
  /** The SIP Call-ID of the new call is known (before the INVITE leaves). */
  onCallId?(callId: string): void;
  /** The microphone stream is live, or gone (null). */
  onLocalStream?(stream: MediaStream | null): void;
  /** The camera's audio arrived, or is gone (null). */
  onRemoteStream?(stream: MediaStream | null): void;
}

export class SipController implements ReactiveController {
  /** SIP Call-ID of the current (or last) call. */
  callId: string | null = null;
  /** Why the last call ended; null while a call is on or none was made. */
  end: CallEnd | null = null;
  remoteStream: MediaStream | null = null;

  readonly #machine: CallStateMachine;
  #ua: UA | null = null;
  #session: RTCSession | null = null;
  #microphone: MediaStream | null = null;
  #dtmfMode: DtmfMode = 'info';
  /** Counts calls, so an await that returns after a hang-up knows it is stale. */
  #attempt = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly delegate: SipControllerDelegate = {},
  ) {
    this.#machine = new CallStateMachine(() => host.requestUpdate());
    host.addController(this);
  }

  get state(): CallState {
    return this.#machine.state;
  }

  /** Calls the camera. `target` may be a promise: credentials are fetched after the click. */
  async call(target: SipTarget | Promise<SipTarget>, dtmfMode: DtmfMode): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'ended') return;
    const attempt = ++this.#attempt;
    this.end = null;
    this.callId = null;
    this.#dtmfMode = dtmfMode;
    this.#machine.transition('connecting');
    // Settles later; handled below, so an early rejection is not reported as unhandled.
    const pendingTarget = Promise.resolve(target);
    pendingTarget.catch(() => undefined);
    if (!navigator.mediaDevices) {
      // Browsers offer the microphone to secure pages only (https:// or localhost).
      return this.finish({ kind: 'microphone-refused', message: 'This page may not use the microphone: open it over https:// or on localhost.', error: true });
    }
    let microphone: MediaStream;
    try {
      // Ask for the microphone first: a refusal is the most common failure and needs no network.
      microphone = await navigator.mediaDevices.getUserMedia(MICROPHONE);
    } catch {
      if (this.stillConnecting(attempt)) this.finish(callEnd('microphone-refused'));
      return;
    }
    if (!this.stillConnecting(attempt)) {
      for (const track of microphone.getTracks()) track.stop();
      return;
    }
    this.#microphone = microphone;
    this.delegate.onLocalStream?.(microphone);
    let resolved: SipTarget;
    try {
      resolved = await pendingTarget;
    } catch (error) {
      // The caller of call() words its own failures (e.g. "sign in first").
      const end = error instanceof Error ? { kind: 'failed' as const, message: error.message, error: true } : callEnd('failed');
      if (this.stillConnecting(attempt)) this.finish(end);
      return;
    }
    if (this.stillConnecting(attempt)) this.startUa(resolved);
  }

  hangUp(): void {
    if (this.#session && !this.#session.isEnded()) {
      this.#session.terminate(); // 'ended' / 'failed' then finish the call
      return;
    }
    if (this.state === 'connecting' || this.state === 'ringing') this.finish(callEnd('hung-up'));
  }

  sendDtmf(key: DtmfKey): void {
    if (this.state !== 'in-call' || !this.#session) return;
    const transportType = this.#dtmfMode === 'rfc4733' ? JsSIP.C.DTMF_TRANSPORT.RFC2833 : JsSIP.C.DTMF_TRANSPORT.INFO;
    this.#session.sendDTMF(key, { transportType });
  }

  hostDisconnected(): void {
    this.hangUp();
    this.teardown();
  }

  private stillConnecting(attempt: number): boolean {
    return attempt === this.#attempt && this.#machine.state === 'connecting';
  }

  private startUa(target: SipTarget): void {
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(target.wsUrl)],
      uri: target.uri,
      authorization_user: target.username,
      password: target.password,
      register: false,
      session_timers: false,
      user_agent: 'camgate-softphone',
    });
    this.#ua = ua;
    ua.on('connected', () => {
      if (this.#ua === ua && !this.#session) this.placeCall(ua, target.cameraUri);
    });
    // Before the INVITE is out, a dead WebSocket means the gateway cannot be reached;
    // afterwards JsSIP ends the session itself with a connection error.
    ua.on('disconnected', () => {
      if (this.#ua === ua && !this.#session) this.finish(callEnd('connection-lost'));
    });
    ua.start();
  }

  private placeCall(ua: UA, cameraUri: string): void {
    const session = ua.call(cameraUri, {
      mediaStream: this.#microphone ?? undefined,
      mediaConstraints: MICROPHONE,
      pcConfig: { iceServers: [] },
      eventHandlers: {
        sending: ({ request }) => {
          // Stays the same through the 407 challenge: JsSIP re-sends with the same Call-ID.
          if (this.callId !== request.call_id) {
            this.callId = request.call_id;
            this.delegate.onCallId?.(request.call_id);
          }
        },
        progress: () => {
          if (this.state === 'connecting') this.#machine.transition('ringing');
        },
        accepted: () => {
          if (this.state === 'connecting' || this.state === 'ringing') this.#machine.transition('in-call');
        },
        ended: ({ cause, message }) => this.finish(describeCallEnd(cause, message)),
        failed: ({ cause, message }) => this.finish(describeCallEnd(cause, message)),
      },
    });
    this.#session = session;
    session.connection.addEventListener('track', (event) => {
      if (event.track.kind !== 'audio') return;
      this.remoteStream = event.streams[0] ?? new MediaStream([event.track]);
      this.delegate.onRemoteStream?.(this.remoteStream);
      this.host.requestUpdate();
    });
  }

  private finish(end: CallEnd): void {
    if (this.state === 'ended' || this.state === 'idle') return;
    this.end = end;
    this.teardown();
    this.#machine.transition('ended');
  }

  /** Stops everything the call owned: session, UA and WebSocket, microphone, remote audio. */
  private teardown(): void {
    this.#session = null;
    const ua = this.#ua;
    this.#ua = null;
    ua?.stop();
    this.releaseMicrophone();
    if (this.remoteStream) {
      this.remoteStream = null;
      this.delegate.onRemoteStream?.(null);
    }
  }

  private releaseMicrophone(): void {
    if (!this.#microphone) return;
    for (const track of this.#microphone.getTracks()) track.stop();
    this.#microphone = null;
    this.delegate.onLocalStream?.(null);
  }
}
