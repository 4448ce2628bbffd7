import type { DtmfSource } from '@camgate/protocol';
import type { CodecName } from '../audio/contracts.ts';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import type { Clock } from '../core/clock.ts';
import { InvalidStateError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { CameraEndpoint, CameraEndpointCloseReason } from './camera-endpoint.ts';
import type { MediaLeg, MediaLegKind } from './media-leg.ts';
import { RtpInactivityTimer } from './rtp-inactivity-timer.ts';

/** Why a session ended: the glue hangs up (BYE) for every reason but 'local'. */
export type MediaSessionCloseReason = 'local' | 'worker-died' | 'transport-failed';

export type MediaSessionState = 'open' | 'closed';

const TRANSITIONS: Record<MediaSessionState, readonly MediaSessionState[]> = {
  open: ['closed'],
  closed: [],
};

export type MediaSessionEvents = {
  /** A key the caller pressed, once per press. */
  dtmf: [key: DtmfKey, source: DtmfSource];
  /** No caller audio for the RTP timeout while not on hold: end the call. */
  timeout: [];
  closed: [reason: MediaSessionCloseReason];
};

export interface MediaSessionOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly rtpTimeoutMs: number;
  readonly endpoint: CameraEndpoint;
  /** Builds the caller's leg from the offer, linked to the call's audio engine (throws SdpNegotiationError for 488). */
  readonly createLeg: () => Promise<MediaLeg>;
}

/**
 * The media of one call as the SIP glue sees it: the answer to the caller's offer and the
 * caller's leg (linked to the call's audio engine), with the RTP timeout. It ends when the
 * glue closes it, the caller's transport fails or the camera's mediasoup worker dies.
 */
export class MediaSession extends TypedEmitter<MediaSessionEvents> {
  readonly callId: string;
  readonly kind: MediaLegKind;
  readonly #logger: Logger;
  readonly #endpoint: CameraEndpoint;
  readonly #leg: MediaLeg;
  readonly #inactivity: RtpInactivityTimer;
  readonly #onEndpointClosed: (reason: CameraEndpointCloseReason) => void;
  #answerSdp = '';
  #state: MediaSessionState = 'open';
  /** Re-offers are applied one after the other. */
  #updates: Promise<unknown> = Promise.resolve();

  private constructor(options: MediaSessionOptions, leg: MediaLeg) {
    super();
    this.callId = options.callId;
    this.kind = leg.kind;
    this.#logger = options.logger;
    this.#endpoint = options.endpoint;
    this.#leg = leg;
    this.#inactivity = new RtpInactivityTimer({
      clock: options.clock,
      timeoutMs: options.rtpTimeoutMs,
      onTimeout: () => {
        this.#logger.warn({ callId: this.callId, timeoutMs: options.rtpTimeoutMs }, 'rtp timeout: no audio from caller');
        this.safeEmit('timeout');
      },
    });
    leg.onCallerActivity = () => this.#inactivity.touch();
    leg.on('dtmf', (key) => this.safeEmit('dtmf', key, 'rfc4733'));
    leg.on('failed', (reason) => {
      this.#logger.warn({ callId: this.callId, reason }, 'caller transport failed');
      this.close('transport-failed');
    });
    this.#onEndpointClosed = (reason) => this.close(reason === 'worker-died' ? 'worker-died' : 'local');
    this.#endpoint.on('closed', this.#onEndpointClosed);
  }

  static async open(options: MediaSessionOptions): Promise<MediaSession> {
    const leg = await options.createLeg();
    const session = new MediaSession(options, leg);
    try {
      session.#answerSdp = leg.answer();
      session.#inactivity.expect(leg.expectsCallerAudio);
    } catch (error) {
      session.close();
      throw error;
    }
    if (session.#state === 'closed') throw new InvalidStateError(`call ${options.callId} ended while its media was set up`);
    options.logger.info({ callId: options.callId, kind: leg.kind, codec: leg.codec.name }, 'media session open');
    return session;
  }

  get state(): MediaSessionState {
    return this.#state;
  }

  get answerSdp(): string {
    return this.#answerSdp;
  }

  get codec(): CodecName {
    return this.#leg.codec.name;
  }

  get leg(): MediaLeg {
    return this.#leg;
  }

  /**
   * Answers a re-offer (re-INVITE or UPDATE: hold, resume, new address or codec). On
   * SdpNegotiationError the session keeps its previous state (RFC 3264 §8: the old
   * description stays in force), and the glue answers 488.
   */
  update(offerSdp: string): Promise<string> {
    const run = this.#updates.then(() => this.#update(offerSdp));
    this.#updates = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies the caller's answer from the ACK to the offer our 2xx carried (offerless
   * re-INVITE). On SdpNegotiationError the session keeps its state; the glue hangs up.
   */
  applyAnswer(answerSdp: string): Promise<void> {
    const run = this.#updates.then(async () => {
      this.#assertOpen();
      await this.#leg.applyAnswer(answerSdp);
      this.#inactivity.expect(this.#leg.expectsCallerAudio);
    });
    this.#updates = run.catch(() => undefined);
    return run;
  }

  /** The caller ACKed: media may go to the address it signalled (not before: no reflection). */
  confirmPeer(): void {
    if (this.#state === 'open') this.#leg.confirmPeer();
  }

  /** Sends a key press to the caller (RFC 4733; SIP phones that negotiated telephone-event). */
  sendDtmf(key: DtmfKey): void {
    this.#assertOpen();
    this.#leg.sendDtmf(key);
  }

  close(reason: MediaSessionCloseReason = 'local'): void {
    if (this.#state === 'closed') return;
    this.#transition('closed');
    this.#endpoint.off('closed', this.#onEndpointClosed);
    this.#inactivity.close();
    this.#leg.close();
    this.#logger.info({ callId: this.callId, reason }, 'media session closed');
    this.safeEmit('closed', reason);
    this.removeAllListeners();
  }

  async #update(offerSdp: string): Promise<string> {
    this.#assertOpen();
    await this.#leg.renegotiate(offerSdp);
    this.#assertOpen();
    this.#answerSdp = this.#leg.answer();
    this.#inactivity.expect(this.#leg.expectsCallerAudio);
    return this.#answerSdp;
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new InvalidStateError(`media session of call ${this.callId} is closed`);
  }

  #transition(to: MediaSessionState): void {
    if (!TRANSITIONS[this.#state].includes(to)) throw new InvalidStateError(`media session cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }
}
