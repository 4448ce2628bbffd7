/**
 * Places one call at a time from the browser to the camera with JsSIP over the gateway's
 * SIP WebSocket (RFC 7118), the gateway challenging each INVITE (407) for the softphone
 * account, or answers one the camera places to the registered softphone (`answer()`).
 *
 * Signalling and media are told apart: a call is "in call" once the camera answered, but
 * its audio flows only when ICE and DTLS connect (`media`). When they do not within
 * MEDIA_CONNECT_TIMEOUT_MS the call is hung up and the person is told why, instead of
 * sitting in a silent call until the gateway gives up.
 *
 * Without a microphone (none, refused, or a page that may not have one) the call goes on
 * listen-only: a receive-only audio offer.
 *
 * Every call, placed or answered, also asks for the camera's picture (a receive-only video
 * transceiver, bundled with the audio). The camera answers it, or refuses it with port 0 and a
 * reason (i=) that `videoProblem` shows; a picture that stops mid-call (the source died) is reported the
 * same way until frames are decoded again.
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
import type { CallContext, CallEnd } from './call-end-reason.ts';

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

/** The camera's picture in the call. */
export type VideoState = 'none' | 'waiting' | 'playing' | 'unavailable';

/**
 * Decoded frames are counted this often; VIDEO_STALL_CHECKS counts without progress (1.5 s,
 * over 20 frames at the camera's 15 fps) mean the picture stopped.
 */
const VIDEO_CHECK_MS = 500;
const VIDEO_STALL_CHECKS = 3;

/** The call's audio path (ICE + DTLS of its RTCPeerConnection). */
export type MediaState = 'none' | 'connecting' | 'connected' | 'interrupted' | 'failed';

/**
 * From the camera's answer to audio flowing. ICE on a LAN or loopback connects in well under
 * a second; a browser's own ICE failure takes half a minute, far too long to sit in silence.
 */
export const MEDIA_CONNECT_TIMEOUT_MS = 6000;

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
  /** The camera's picture (a stream of its own, not mixed with the audio). */
  videoStream: MediaStream | null = null;
  video: VideoState = 'none';
  /** Why the call has no picture now, or ''. */
  videoProblem = '';
  media: MediaState = 'none';
  /** Why this call has no microphone (it is listen-only), or '' when it has one. */
  microphoneProblem = '';

  readonly #machine: CallStateMachine;
  #ua: UA | null = null;
  #session: RTCSession | null = null;
  #microphone: MediaStream | null = null;
  #dtmfMode: DtmfMode = 'info';
  #context: CallContext = {};
  /** Why the call is being hung up by us, when it is not the person's own Hang up. */
  #failure: CallEnd | null = null;
  #mediaTimer: ReturnType<typeof setTimeout> | undefined;
  #videoTimer: ReturnType<typeof setInterval> | undefined;
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
    this.media = 'none';
    this.video = 'none';
    this.videoProblem = '';
    this.microphoneProblem = '';
    this.#failure = null;
    this.#context = {};
    this.#dtmfMode = dtmfMode;
    this.#machine.transition('connecting');
    // Settles later; handled below, so an early rejection is not reported as unhandled.
    const pendingTarget = Promise.resolve(target);
    pendingTarget.catch(() => undefined);
    // Ask for the microphone first: a refusal needs no network. Without one the call is listen-only.
    const microphone = await this.openMicrophone();
    if (!this.stillConnecting(attempt)) {
      for (const track of microphone?.getTracks() ?? []) track.stop();
      return;
    }
    this.useMicrophone(microphone);
    let resolved: SipTarget;
    try {
      resolved = await pendingTarget;
    } catch (error) {
      // The caller of call() words its own failures (e.g. "sign in first").
      const end = error instanceof Error ? { kind: 'failed' as const, message: error.message, error: true } : callEnd('failed');
      if (this.stillConnecting(attempt)) this.finish(end);
      return;
    }
    this.#context = { identity: resolved.uri };
    if (this.stillConnecting(attempt)) this.startUa(resolved);
  }

  /** The microphone, or null (then `microphoneProblem` says why and the call listens only). */
  private async openMicrophone(): Promise<MediaStream | null> {
    if (!navigator.mediaDevices) {
      // Browsers offer the microphone to secure pages only (https:// or localhost).
      this.microphoneProblem = 'Listen only: this page may not use the microphone (open it over https:// or on localhost to speak).';
      return null;
    }
    try {
      return await navigator.mediaDevices.getUserMedia(MICROPHONE);
    } catch (error) {
      const name = error instanceof DOMException ? error.name : '';
      this.microphoneProblem =
        name === 'NotFoundError' || name === 'NotReadableError' || name === 'OverconstrainedError'
          ? 'Listen only: no microphone was found, so the camera cannot hear you.'
          : 'Listen only: the microphone was refused. Allow this page to use it to speak to the camera.';
      return null;
    }
  }

  /** The call's microphone, or none: RFC 4733 events ride on an audio track we would not have, so keys go as SIP INFO. */
  private useMicrophone(microphone: MediaStream | null): void {
    if (microphone) {
      this.#microphone = microphone;
      this.delegate.onLocalStream?.(microphone);
    } else {
      this.#dtmfMode = 'info';
    }
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
    const ua = createUserAgent(target, { register: false });
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

  /**
   * Answers a call the camera placed (doorbell, alarm) to the registered softphone: the same
   * call as one we placed from then on. The UA belongs to the registration, not to the call.
   */
  async answer(session: RTCSession, callId: string, dtmfMode: DtmfMode): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'ended') return;
    const attempt = ++this.#attempt;
    this.end = null;
    this.media = 'none';
    this.microphoneProblem = '';
    this.#failure = null;
    this.video = 'none';
    this.videoProblem = '';
    this.#context = {};
    this.#dtmfMode = dtmfMode;
    this.callId = callId;
    this.#machine.transition('connecting');
    const microphone = await this.openMicrophone();
    if (attempt !== this.#attempt || session.isEnded()) {
      for (const track of microphone?.getTracks() ?? []) track.stop();
      if (this.stillConnecting(attempt)) this.finish(callEnd('hung-up'));
      return;
    }
    this.useMicrophone(microphone);
    this.delegate.onCallId?.(callId);
    const listenOnly = this.#microphone === null;
    // JsSIP builds the RTCPeerConnection of an incoming call in answer(). The camera's call
    // carries no SDP (late offer): our 200 OK offers, so it asks for the picture as placeCall does.
    session.on('peerconnection', ({ peerconnection }) => {
      offerToReceive(peerconnection, listenOnly);
      this.watchMedia(peerconnection);
      this.watchTracks(peerconnection);
    });
    this.bindSession(session);
    session.answer({
      mediaStream: this.#microphone ?? undefined,
      mediaConstraints: listenOnly ? { audio: false, video: false } : MICROPHONE,
      pcConfig: { iceServers: [] },
    });
  }

  private placeCall(ua: UA, cameraUri: string): void {
    const listenOnly = this.#microphone === null;
    const session = ua.call(cameraUri, {
      mediaStream: this.#microphone ?? undefined,
      mediaConstraints: listenOnly ? { audio: false, video: false } : MICROPHONE,
      pcConfig: { iceServers: [] },
      eventHandlers: {
        peerconnection: ({ peerconnection }) => {
          offerToReceive(peerconnection, listenOnly);
          this.watchMedia(peerconnection);
        },
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
      },
    });
    this.bindSession(session);
    this.watchTracks(session.connection);
  }

  /** Follows a session (placed or answered) until it ends: in call, audio, video, remote stream. */
  private bindSession(session: RTCSession): void {
    // The camera's answer: in its 200 OK to a call we placed, in its ACK to one we answered.
    session.on('sdp', ({ originator, type, sdp }) => {
      if (originator !== 'remote' || type !== 'answer') return;
      const refused = refusedVideoReason(sdp);
      if (refused === undefined) this.setVideo('waiting', '');
      else this.setVideo('unavailable', refused);
    });
    session.on('accepted', () => {
      if (this.state === 'connecting' || this.state === 'ringing') this.#machine.transition('in-call');
      if (this.media !== 'connected') this.setMedia('connecting');
      clearTimeout(this.#mediaTimer);
      this.#mediaTimer = setTimeout(() => {
        if (this.media !== 'connected') this.mediaFailed();
      }, MEDIA_CONNECT_TIMEOUT_MS);
    });
    session.on('ended', ({ cause, message }) => this.finish(this.describe(cause, message)));
    session.on('failed', ({ cause, message }) => this.finish(this.describe(cause, message)));
    this.#session = session;
  }

  /** The camera's audio and video, once they arrive. */
  private watchTracks(connection: RTCPeerConnection): void {
    connection.addEventListener('track', (event) => {
      if (event.track.kind === 'video') {
        this.videoStream = new MediaStream([event.track]);
        this.watchVideo(connection);
        this.host.requestUpdate();
        return;
      }
      if (event.track.kind !== 'audio') return;
      this.remoteStream = event.streams[0] ?? new MediaStream([event.track]);
      this.delegate.onRemoteStream?.(this.remoteStream);
      this.host.requestUpdate();
    });
  }

  private describe(cause: string, message: unknown): CallEnd {
    // JsSIP ends a call whose ICE failed as an "RTP timeout": that is a missing audio path.
    if (cause === JsSIP.C.causes.RTP_TIMEOUT && this.media !== 'connected' && this.media !== 'interrupted') return this.noAudioPath();
    return describeCallEnd(cause, message, this.#context);
  }

  private watchMedia(connection: RTCPeerConnection): void {
    const update = () => {
      if (this.#session?.connection !== connection && this.#session !== null) return;
      const ice = connection.iceConnectionState;
      const dtls = connection.connectionState;
      if (dtls === 'connected') this.setMedia('connected');
      else if (ice === 'failed' || dtls === 'failed') this.mediaFailed();
      else if (this.media === 'connected' && (ice === 'disconnected' || dtls === 'disconnected')) this.setMedia('interrupted');
    };
    connection.addEventListener('iceconnectionstatechange', update);
    connection.addEventListener('connectionstatechange', update);
  }

  /** Counts decoded frames: a picture that stops says so, and plays again when frames return. */
  private watchVideo(connection: RTCPeerConnection): void {
    clearInterval(this.#videoTimer);
    let lastFrames = 0;
    let stalledChecks = 0;
    this.#videoTimer = setInterval(() => {
      void connection.getStats().then((report) => {
        if (this.#session?.connection !== connection || this.video === 'none') return;
        let frames = 0;
        report.forEach((stat: { type?: string; kind?: string; framesDecoded?: number }) => {
          if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
        });
        if (frames > lastFrames) {
          stalledChecks = 0;
          this.setVideo('playing', '');
        } else if (this.video === 'playing' && ++stalledChecks >= VIDEO_STALL_CHECKS) {
          this.setVideo('unavailable', 'the camera picture stopped; it comes back by itself');
        }
        lastFrames = frames;
      });
    }, VIDEO_CHECK_MS);
  }

  private setVideo(video: VideoState, problem: string): void {
    // A refused video (port 0) stays refused for the whole call.
    if (this.video === 'unavailable' && this.videoProblem && !this.videoStream) return;
    if (this.video === video && this.videoProblem === problem) return;
    this.video = video;
    this.videoProblem = problem;
    this.host.requestUpdate();
  }

  private setMedia(media: MediaState): void {
    if (this.media === media) return;
    this.media = media;
    if (media === 'connected') clearTimeout(this.#mediaTimer);
    this.host.requestUpdate();
  }

  /** The audio path never came up: say why, and hang up cleanly (BYE). */
  private mediaFailed(): void {
    if (this.state !== 'in-call' || this.#failure) return;
    this.setMedia('failed');
    this.#failure = this.noAudioPath();
    if (this.#session && !this.#session.isEnded()) this.#session.terminate();
    else this.finish(this.#failure);
  }

  private noAudioPath(): CallEnd {
    return callEnd('no-audio-path', { ...this.#context, announced: announcedAddresses(this.#session?.connection.remoteDescription?.sdp ?? '') });
  }

  private finish(end: CallEnd): void {
    if (this.state === 'ended' || this.state === 'idle') return;
    this.end = this.#failure ?? end;
    if (this.media !== 'failed') this.media = 'none';
    this.teardown();
    this.#machine.transition('ended');
  }

  /** Stops everything the call owned: session, UA and WebSocket, microphone, remote audio. */
  private teardown(): void {
    clearTimeout(this.#mediaTimer);
    clearInterval(this.#videoTimer);
    this.videoStream = null;
    this.video = 'none';
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

/**
 * What our offer asks of the camera besides the microphone: its audio even without a track to
 * send (listen-only), and always its picture (receive-only video, bundled with the audio).
 */
/** A JsSIP user agent for `target`'s account: registering (to be called) or only placing calls. */
export function createUserAgent(target: SipTarget, { register }: { register: boolean }): UA {
  return new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(target.wsUrl)],
    uri: target.uri,
    authorization_user: target.username,
    password: target.password,
    register,
    session_timers: false,
    user_agent: 'camgate-softphone',
  });
}

function offerToReceive(connection: RTCPeerConnection, listenOnly: boolean): void {
  if (listenOnly) connection.addTransceiver('audio', { direction: 'recvonly' });
  connection.addTransceiver('video', { direction: 'recvonly' });
}

/**
 * Why the camera's answer refuses the video: its m=video has port 0 (RFC 3264 §6) and the
 * camera says why in the section's i= line. undefined when the video is accepted or absent.
 */
export function refusedVideoReason(sdp: string): string | undefined {
  const section = sdp.split(/\r?\n(?=m=)/).find((part) => part.startsWith('m=video'));
  if (!section || !/^m=video 0 /.test(section)) return undefined;
  return /^i=(.*)$/m.exec(section)?.[1]?.trim() || 'the camera sends no video';
}

/** The addresses in the ICE candidates (or the c= line) of an SDP: where the camera said its audio is. */
export function announcedAddresses(sdp: string): string[] {
  const candidates = [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ/gm)].map((m) => m[1]!);
  const connection = [...sdp.matchAll(/^c=IN IP[46] (\S+)/gm)].map((m) => m[1]!).filter((a) => a !== '0.0.0.0');
  return [...new Set(candidates.length > 0 ? candidates : connection)];
}
