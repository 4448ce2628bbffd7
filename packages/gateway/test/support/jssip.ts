/**
 * A JsSIP 3.x user agent in Node, as the browser softphone runs it, for signalling tests
 * over SIP-over-WebSocket (RFC 7118). Media is out of scope here: a minimal
 * RTCPeerConnection stand-in produces a fixed SDP offer and accepts any answer, which is
 * all JsSIP needs to drive INVITE/ACK/INFO/BYE. (Real WebRTC media runs in the e2e suite
 * with Chromium.)
 *
 *   const phone = await JsSipPhone.start({ wsUrl: 'ws://127.0.0.1:8080/sip', username: 'alice', password: 'pw' });
 *   const call = phone.call('sip:camera@127.0.0.1');
 *   await call.confirmed;                    // 200 OK received, ACK sent
 *   call.session.sendDTMF('5');              // SIP INFO application/dtmf-relay by default
 *   call.session.terminate();  await call.ended;
 *   await phone.close();
 */
import JsSIP from 'jssip';
import NodeWebSocket from 'jssip-node-websocket';

/**
 * jssip-node-websocket's disconnect() throws when called twice, and JsSIP's UA.stop() calls it
 * again 2 s later from a timer when transactions were pending; a second call is a no-op here.
 */
class IdempotentNodeWebSocket extends NodeWebSocket {
  #disconnected = false;

  override disconnect(): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    super.disconnect();
  }
}

type RTCSession = ReturnType<JsSIP.UA['call']>;

export const STUB_OFFER_SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:stub',
  'a=ice-pwd:stubstubstubstubstubstub',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

/** Just enough of RTCPeerConnection for JsSIP's offer/answer flow, no media. */
class StubPeerConnection extends EventTarget {
  iceGatheringState = 'complete';
  iceConnectionState = 'new';
  signalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;

  async createOffer() {
    return { type: 'offer', sdp: STUB_OFFER_SDP };
  }

  async createAnswer() {
    return { type: 'answer', sdp: STUB_OFFER_SDP };
  }

  async setLocalDescription(description: { type: string; sdp: string }) {
    this.localDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
  }

  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
  }

  getSenders() {
    return [];
  }

  getReceivers() {
    return [];
  }

  addTrack() {
    return {};
  }

  close() {
    this.signalingState = 'closed';
  }
}

/** JsSIP wraps descriptions in `new RTCSessionDescription(init)`. */
class StubSessionDescription {
  readonly type: string;
  readonly sdp: string;
  constructor(init: { type: string; sdp: string }) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
}

/** JsSIP checks `window.RTCPeerConnection` and calls the global constructors. */
function installWebRtcStub(): void {
  const g = globalThis as Record<string, unknown>;
  g.RTCPeerConnection ??= StubPeerConnection;
  g.RTCSessionDescription ??= StubSessionDescription;
  g.window ??= globalThis;
}

export interface JsSipPhoneOptions {
  wsUrl: string;
  username: string;
  password: string;
  /** Domain of the phone's own URI, default 127.0.0.1. */
  domain?: string;
  /** User of the phone's own URI (From) when it is not the account's name. */
  fromUser?: string;
  /** REGISTER first (JsSIP's default); tests of a plain UAS call leave it off. */
  register?: boolean;
}

export interface JsSipCall {
  session: RTCSession;
  /** Resolves when the call is confirmed (2xx received and ACKed). */
  confirmed: Promise<void>;
  /** Resolves with JsSIP's cause when the call fails or ends, whichever happens. */
  ended: Promise<{ cause: string; originator: string; status?: number }>;
}

export class JsSipPhone {
  private constructor(
    readonly ua: JsSIP.UA,
    readonly socket: NodeWebSocket,
  ) {}

  static async start(options: JsSipPhoneOptions): Promise<JsSipPhone> {
    installWebRtcStub();
    const socket = new IdempotentNodeWebSocket(options.wsUrl, { requestOptions: {}, origin: 'http://127.0.0.1' });
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: `sip:${options.fromUser ?? options.username}@${options.domain ?? '127.0.0.1'}`,
      authorization_user: options.username,
      password: options.password,
      register: options.register ?? false,
      session_timers: false,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 2,
    });
    const connected = new Promise<void>((resolve, reject) => {
      ua.once('connected', () => resolve());
      ua.once('disconnected', () => reject(new Error(`JsSIP could not connect to ${options.wsUrl}`)));
    });
    ua.start();
    try {
      await connected;
    } catch (error) {
      ua.stop();
      throw error;
    }
    return new JsSipPhone(ua, socket);
  }

  call(target: string): JsSipCall {
    const session = this.ua.call(target, {
      mediaStream: { getTracks: () => [] } as never,
      pcConfig: { iceServers: [] },
    });
    const confirmed = new Promise<void>((resolve, reject) => {
      session.once('confirmed', () => resolve());
      session.once('failed', (e: { cause: string; message?: { status_code?: number } }) =>
        reject(new Error(`JsSIP call failed: ${e.cause} ${e.message?.status_code ?? ''}`)),
      );
    });
    const ended = new Promise<{ cause: string; originator: string; status?: number }>((resolve) => {
      const done = (e: { cause: string; originator: string; message?: { status_code?: number } }) =>
        resolve({ cause: e.cause, originator: e.originator, ...(e.message?.status_code !== undefined && { status: e.message.status_code }) });
      session.once('ended', done);
      session.once('failed', done);
    });
    confirmed.catch(() => undefined); // callers that only await `ended` must not see an unhandled rejection
    return { session, confirmed, ended };
  }

  /** Resolves once the REGISTER (`register: true`) was accepted. */
  registered(): Promise<void> {
    if (this.ua.isRegistered()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.ua.once('registered', () => resolve());
      this.ua.once('registrationFailed', (e: { cause: string }) => reject(new Error(`JsSIP registration failed: ${e.cause}`)));
    });
  }

  /** The next call to this phone (an INVITE the gateway sends), as JsSIP presents it. */
  incoming(): Promise<RTCSession> {
    return new Promise((resolve) => {
      const onSession = (e: { originator: string; session: RTCSession }) => {
        if (e.originator !== 'remote') return;
        this.ua.off('newRTCSession', onSession);
        resolve(e.session);
      };
      this.ua.on('newRTCSession', onSession);
    });
  }

  /** Drops the WebSocket without any SIP goodbye, as a browser tab that crashed would. */
  dropConnection(): void {
    this.socket.disconnect();
  }

  /**
   * Stops the UA (BYE to live calls, unregister) and closes the WebSocket. JsSIP itself
   * keeps the socket 2 s for lingering transactions; on loopback their answers are back
   * within a few ms, so after a short grace the socket is closed directly.
   */
  async close(): Promise<void> {
    this.ua.stop();
    await new Promise((r) => setTimeout(r, 200));
    if (this.socket.isConnected()) this.socket.disconnect();
  }
}
