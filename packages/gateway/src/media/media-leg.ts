import type { DtmfKey } from '../audio/dtmf/keys.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { NegotiatedCodec } from './sdp/negotiated-codec.ts';

export type MediaLegKind = 'webrtc' | 'sip';

export type MediaLegEvents = {
  /** An RFC 4733 key press read before anything else (SIP phones). */
  dtmf: [key: DtmfKey];
  /** The caller's transport is gone for good (DTLS closed or failed). */
  failed: [reason: string];
};

/** What renegotiation changed (the leg re-links the engine itself on a codec change). */
export interface LegRenegotiation {
  readonly codecChanged: boolean;
}

/**
 * The caller's side of a call: it answers the caller's offer and links the caller's audio
 * with the call's audio engine (a browser through the camera's Router, a phone straight to
 * the engine's thread). One implementation per kind of caller.
 */
export abstract class MediaLeg extends TypedEmitter<MediaLegEvents> {
  /**
   * Called when the caller was heard (RTP or RTCP; at most about once a second); the session
   * points it at its RTP timeout.
   */
  onCallerActivity: () => void = () => undefined;
  abstract readonly kind: MediaLegKind;
  abstract get codec(): NegotiatedCodec;
  /**
   * Whether silence from the caller means a dead call: true unless the caller's last offer
   * put the call on hold (sendonly, recvonly, inactive or no address). Guards the timeout.
   */
  abstract get expectsCallerAudio(): boolean;
  /** The SDP answer for the current state of the leg. */
  abstract answer(): string;
  /**
   * Applies a re-offer (re-INVITE/UPDATE: hold, resume, new address or codec). Throws
   * SdpNegotiationError, leaving the leg unchanged, when the offer cannot be answered.
   */
  abstract renegotiate(offerSdp: string): Promise<LegRenegotiation>;
  /**
   * Applies the caller's answer to the offer we made (our 2xx to its offerless re-INVITE; the
   * answer came in the ACK). Throws SdpNegotiationError, leaving the leg unchanged, when the
   * answer is unusable.
   */
  abstract applyAnswer(answerSdp: string): Promise<void>;
  /** The caller confirmed the dialog (ACK): media may go to the address it signalled. */
  abstract confirmPeer(): void;
  /** Sends a key press to the caller as RFC 4733 events; UnsupportedError where impossible. */
  abstract sendDtmf(key: DtmfKey): void;
  abstract close(): void;
}
