/**
 * The contract between the media layer and a call's audio engine that does its own RTP
 * where it runs (an audio thread): the main thread only negotiates and gets events.
 */
import type { CallAudioControl } from '../audio/call-audio.ts';
import type { CodecName } from '../audio/contracts.ts';
import type { DtmfKey } from '../audio/dtmf/keys.ts';

/** WebRTC legs: a loopback RTP flow between the engine and the call's mediasoup PlainTransport. */
export interface RtpAudioConnection {
  readonly codec: CodecName;
  /** Payload type of the codec in both directions (the Router's). */
  readonly payloadType: number;
  /** SSRC of the camera's stream to the caller. */
  readonly ssrc: number;
  /** Loopback port of the mediasoup transport the engine sends to (and hears from). */
  readonly mediasoupPort: number;
}

/** The negotiated state of a phone's RTP (from its SDP; sent again after each re-offer). */
export interface PhoneRtpConfig {
  readonly codec: CodecName;
  /** Payload type of the negotiated audio codec, both ways. */
  readonly payloadType: number;
  readonly clockRate: number;
  /** Payload type of telephone-event when negotiated (read before anything else, never decoded as audio). */
  readonly telephoneEventPayloadType: number | undefined;
  /** Where the SDP says to send (c=/m=); undefined while it says not to (port 0, 0.0.0.0). */
  readonly sdpRemote: { readonly address: string; readonly port: number } | undefined;
  /** Whether the answer lets us send to the phone (sendrecv/sendonly). */
  readonly sendToPhone: boolean;
}

/** SIP legs: the phone-facing RTP/RTCP port pair the engine binds and serves (strict RTP). */
export interface PhoneRtpRequest {
  /** The even port of the pair (the main thread's RtpPortRange chose it). */
  readonly port: number;
  readonly listenIp: string;
  /** The IP the call's SIP came from: RTP from it may be learnt like the SDP's. */
  readonly signallingAddress?: string;
  /** Nothing goes to a phone that sent no RTP or RTCP for this long (the RTP timeout). */
  readonly silenceLimitMs: number;
  readonly config: PhoneRtpConfig;
}

/** Thrown by `openPhone` when the requested port pair is taken: the caller tries the next one. */
export class RtpPortBusyError extends Error {
  override name = 'RtpPortBusyError';
}

/** What the engine reports about a call's RTP, as events (never per packet). */
export type CallRtpEvent =
  /** The caller was heard (RTP or RTCP; at most about once a second): feeds the RTP timeout. */
  | { readonly type: 'caller-audio' }
  /** An RFC 4733 key press from the phone, once per press. */
  | { readonly type: 'dtmf'; readonly key: DtmfKey }
  /** Strict RTP learnt (or, after a NAT rebinding, moved to) the phone's source. */
  | { readonly type: 'phone-source'; readonly address: string; readonly port: number; readonly moved: boolean }
  /** The phone restarted its stream under a new SSRC (renumbered into the steady one). */
  | { readonly type: 'ssrc-changed'; readonly ssrc: number };

export type CallRtpListener = (event: CallRtpEvent) => void;

/**
 * An audio engine that does its own RTP (jitter buffer, codec, packets) off the main thread:
 * either with mediasoup over loopback (WebRTC legs) or with the phone itself (SIP legs).
 * One of the two at a time; `disconnectRtp` ends either.
 */
export interface RtpAudioEngine {
  /** Opens the engine's loopback socket towards mediasoup (replacing any previous RTP); resolves with its port. */
  connectRtp(connection: RtpAudioConnection, listener: CallRtpListener): Promise<number>;
  /** Binds the phone's port pair and serves it (replacing any previous RTP); RtpPortBusyError when the port is taken. */
  openPhone(request: PhoneRtpRequest, listener: CallRtpListener): Promise<void>;
  /** A re-offer or the answer in an ACK changed codec, address or direction. */
  configurePhone(config: PhoneRtpConfig): void;
  /** The phone's ACK arrived: audio may go to its SDP address before it sent any. */
  confirmPhone(): void;
  /** Sends a key press to the phone as RFC 4733 events (the config must have telephone-event). */
  sendPhoneDtmf(key: DtmfKey): void;
  /** Closes the engine's RTP sockets; idempotent. */
  disconnectRtp(): void;
}

/** A call's audio engine as the call glue creates it: controllable, and linkable by the media layer. */
export type CallAudioEngine = CallAudioControl & RtpAudioEngine;
