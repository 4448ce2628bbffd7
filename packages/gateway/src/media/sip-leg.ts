import type { types as ms } from 'mediasoup';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import type { Clock } from '../core/clock.ts';
import { UnsupportedError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { MediaLeg, type LegRenegotiation } from './media-leg.ts';
import { RtpPortBusyError, type CallRtpEvent, type PhoneRtpConfig, type PhoneRtpRequest, type RtpAudioEngine } from './rtp-audio-engine.ts';
import type { RtpPortRange } from './rtp-port-range.ts';
import { findTelephoneEvent, parseAudioOffer, type AudioOffer, type OfferedFormat } from './sdp/audio-offer.ts';
import { answerDirection, sends, type MediaDirection } from './sdp/media-direction.ts';
import { chooseCodec, keepOrChooseCodec, sameCodec, type NegotiatedCodec } from './sdp/negotiated-codec.ts';
import { SdpNegotiationError } from './sdp/sdp-negotiation-error.ts';
import { SdpOrigin } from './sdp/sdp-origin.ts';
import { isSipRtpProfile, writeSipAnswer } from './sdp/sip-answer.ts';
import { SipCallVideo } from './video/sip-call-video.ts';
import type { VideoSupervisor } from './video/video-supervisor.ts';

/** G.711 only: every SIP phone has it, and it is what the engine and DTMF detection run at. */
const SIP_CODEC_PREFERENCE = [['PCMU', 'PCMA']] as const;

export interface SipLegOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The camera's Router: video for phones that offer it (the audio does not pass mediasoup). */
  readonly router: ms.Router;
  readonly portRange: RtpPortRange;
  /** Address the phone-facing RTP sockets bind. */
  readonly listenIp: string;
  /** Address written into the answer's c= and o= lines. */
  readonly announcedIp: string;
  readonly offerSdp: string;
  /** Nothing goes to a phone that sent no RTP or RTCP for this long (the RTP timeout). */
  readonly silenceLimitMs: number;
  /** The IP the call's SIP came from (strict RTP learns from it as from the SDP's). */
  readonly signallingAddress?: string;
  /** The call's audio engine: it binds the phone's port pair and does the RTP where it runs. */
  readonly audio: RtpAudioEngine;
  /** The camera's video, sent to phones that offer m=video. */
  readonly video?: VideoSupervisor;
}

export interface SipNegotiation {
  readonly offer: AudioOffer;
  readonly codec: NegotiatedCodec;
  readonly telephoneEvent: OfferedFormat | undefined;
  readonly direction: MediaDirection;
}

/**
 * A SIP phone as the caller. Its G.711 RTP goes straight between the phone and the call's
 * audio engine (in an audio thread: strict RTP, RFC 4733 read first, RTCP, jitter buffer,
 * codec), on a port pair this leg takes from the range; no packet of it passes the main
 * thread or mediasoup. Here stay the SDP (answer, re-offers, hold, codec change) and what
 * the engine reports as events: keys, caller activity, the learnt source, SSRC changes.
 * Video for phones that offer it goes through mediasoup (SipCallVideo).
 */
export class SipLeg extends MediaLeg {
  readonly kind = 'sip' as const;
  readonly #callId: string;
  readonly #logger: Logger;
  readonly #announcedIp: string;
  readonly #audio: RtpAudioEngine;
  readonly #portRange: RtpPortRange;
  readonly #origin = new SdpOrigin();
  #negotiation: SipNegotiation;
  #port: number | undefined;
  #video: SipCallVideo | undefined;
  #phoneSource: string | undefined;
  #ssrcChanges = 0;
  #closed = false;

  private constructor(options: SipLegOptions, negotiation: SipNegotiation) {
    super();
    this.#callId = options.callId;
    this.#logger = options.logger;
    this.#announcedIp = options.announcedIp;
    this.#audio = options.audio;
    this.#portRange = options.portRange;
    this.#negotiation = negotiation;
  }

  static async create(options: SipLegOptions): Promise<SipLeg> {
    const leg = new SipLeg(options, negotiateSipOffer(options.offerSdp, undefined));
    try {
      await leg.#open(options);
      return leg;
    } catch (error) {
      leg.close();
      throw error;
    }
  }

  get codec(): NegotiatedCodec {
    return this.#negotiation.codec;
  }

  get expectsCallerAudio(): boolean {
    const { offer } = this.#negotiation;
    return offer.direction === 'sendrecv' && isReachable(offer);
  }

  /** The phone-facing RTP port (the answer's m= port). */
  get rtpPort(): number {
    return this.#port ?? 0;
  }

  /** Where strict RTP found the phone (address:port), once it did. */
  get phoneSource(): string | undefined {
    return this.#phoneSource;
  }

  /** How often the phone restarted its stream under a new SSRC. */
  get ssrcChanges(): number {
    return this.#ssrcChanges;
  }

  answer(): string {
    const { offer, codec, telephoneEvent, direction } = this.#negotiation;
    return this.#origin.stamp((sessionId, version) =>
      writeSipAnswer(
        { offer, codec, telephoneEvent, address: this.#announcedIp, port: this.rtpPort, direction, ...(this.#video && { video: this.#video.answer }) },
        sessionId,
        version,
      ),
    );
  }

  async renegotiate(offerSdp: string): Promise<LegRenegotiation> {
    const negotiation = negotiateSipOffer(offerSdp, this.#negotiation.codec);
    const codecChanged = !sameCodec(negotiation.codec, this.#negotiation.codec);
    this.#apply(negotiation);
    this.#logger.info({ callId: this.#callId, codec: negotiation.codec.name, direction: negotiation.direction, codecChanged }, 'sip leg renegotiated');
    return { codecChanged };
  }

  /**
   * The phone's answer to our offer (which held exactly the current codec): its address, port
   * and direction are applied like a re-offer's, validated the same way; a different codec is
   * not an answer to what we offered.
   */
  async applyAnswer(answerSdp: string): Promise<void> {
    const negotiation = negotiateSipOffer(answerSdp, this.#negotiation.codec);
    if (!sameCodec(negotiation.codec, this.#negotiation.codec)) {
      throw new SdpNegotiationError('no-common-codec', `the answer lacks the offered ${this.#negotiation.codec.name}/${this.#negotiation.codec.payloadType}`);
    }
    this.#apply(negotiation);
    this.#audio.confirmPhone(); // the ACK that brought the answer confirms the new address too
    this.#logger.info({ callId: this.#callId, phone: `${negotiation.offer.address}:${negotiation.offer.port}`, direction: negotiation.direction }, 'sip leg took the answer from the ACK');
  }

  confirmPeer(): void {
    this.#audio.confirmPhone();
    this.#video?.confirmPeer();
  }

  sendDtmf(key: DtmfKey): void {
    if (!this.#negotiation.telephoneEvent) throw new UnsupportedError('the phone did not negotiate telephone-event');
    this.#audio.sendPhoneDtmf(key);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#video?.close();
    this.#audio.disconnectRtp();
    if (this.#port !== undefined) this.#portRange.release(this.#port);
    this.#logger.debug({ callId: this.#callId }, 'sip leg closed');
    this.removeAllListeners();
  }

  /** Has the engine bind the next free port pair of the range, then answers the video. */
  async #open(options: SipLegOptions): Promise<void> {
    const negotiation = this.#negotiation;
    const request = (port: number): PhoneRtpRequest => ({
      port,
      listenIp: options.listenIp,
      silenceLimitMs: options.silenceLimitMs,
      config: phoneConfig(negotiation),
      ...(options.signallingAddress !== undefined && { signallingAddress: options.signallingAddress }),
    });
    const { port } = await options.portRange.allocate(async (port) => {
      try {
        await this.#audio.openPhone(request(port), (event) => this.#onRtp(event));
        return true;
      } catch (error) {
        if (error instanceof RtpPortBusyError) return undefined;
        throw error;
      }
    });
    this.#port = port;
    this.#video = await SipCallVideo.open({ ...options, supervisor: options.video, session: negotiation.offer.session });
    options.logger.info({ callId: this.#callId, codec: negotiation.codec.name, port, phone: `${negotiation.offer.address}:${negotiation.offer.port}` }, 'sip leg created');
  }

  #apply(negotiation: SipNegotiation): void {
    this.#negotiation = negotiation;
    this.#audio.configurePhone(phoneConfig(negotiation));
  }

  #onRtp(event: CallRtpEvent): void {
    if (this.#closed) return;
    switch (event.type) {
      case 'caller-audio':
        this.onCallerActivity();
        return;
      case 'dtmf':
        this.safeEmit('dtmf', event.key);
        return;
      case 'phone-source':
        this.#phoneSource = `${event.address}:${event.port}`;
        return;
      case 'ssrc-changed':
        this.#ssrcChanges++;
        return;
    }
  }
}

/** RFC 3264 §6.1 for a phone's offer (or re-offer, keeping `current` when still offered); throws for a 488. */
export function negotiateSipOffer(offerSdp: string, current: NegotiatedCodec | undefined): SipNegotiation {
  const offer = parseAudioOffer(offerSdp, isSipRtpProfile);
  const codec = current ? keepOrChooseCodec(offer.formats, current, SIP_CODEC_PREFERENCE) : chooseCodec(offer.formats, SIP_CODEC_PREFERENCE);
  if (!codec) throw new SdpNegotiationError('no-common-codec', 'the phone offers neither PCMU nor PCMA');
  return { offer, codec, telephoneEvent: findTelephoneEvent(offer.formats, codec.clockRate), direction: answerDirection(offer.direction) };
}

function phoneConfig({ offer, codec, telephoneEvent, direction }: SipNegotiation): PhoneRtpConfig {
  const reachable = isReachable(offer);
  return {
    codec: codec.name,
    payloadType: codec.payloadType,
    clockRate: codec.clockRate,
    telephoneEventPayloadType: telephoneEvent?.payloadType,
    sdpRemote: reachable ? { address: offer.address, port: offer.port } : undefined,
    sendToPhone: sends(direction) && reachable,
  };
}

/** RFC 3264 §8.4: c=0.0.0.0 (the RFC 2543 way to hold) or port 0 mean "do not send to me". */
function isReachable(offer: AudioOffer): boolean {
  return offer.port !== 0 && offer.address !== '0.0.0.0' && offer.address !== '::';
}
