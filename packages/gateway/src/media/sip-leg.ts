import type { types as ms } from 'mediasoup';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { MediaLeg, type LegRenegotiation } from './media-leg.ts';
import { ROUTER_PAYLOAD_TYPES } from './router-codecs.ts';
import { RtpEdge, type RtpEdgeConfig } from './rtp-edge.ts';
import type { RtpPortRange } from './rtp-port-range.ts';
import { findTelephoneEvent, parseAudioOffer, type AudioOffer, type OfferedFormat } from './sdp/audio-offer.ts';
import { answerDirection, sends, type MediaDirection } from './sdp/media-direction.ts';
import { chooseCodec, keepOrChooseCodec, sameCodec, type NegotiatedCodec } from './sdp/negotiated-codec.ts';
import { SdpNegotiationError } from './sdp/sdp-negotiation-error.ts';
import { SdpOrigin } from './sdp/sdp-origin.ts';
import { writeSipAnswer } from './sdp/sip-answer.ts';
import { SipCallVideo } from './video/sip-call-video.ts';
import type { VideoSupervisor } from './video/video-supervisor.ts';

/** Plain RTP profiles (RFC 3551, RFC 4585); SDES-SRTP (RTP/SAVP) is not offered to phones. */
const SIP_PROTOCOLS = new Set(['RTP/AVP', 'RTP/AVPF']);
/** G.711 only: every SIP phone has it, and it is what the engine and DTMF detection run at. */
const SIP_CODEC_PREFERENCE = [['PCMU', 'PCMA']] as const;
/** The PlainTransport and the edge talk over loopback only. */
const LOOPBACK = '127.0.0.1';

export interface SipLegOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly clock: Clock;
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
 * A SIP phone as the caller. Its RTP reaches an RtpEdge (Node UDP) first, where RFC 4733
 * events are read; audio then enters the camera's Router through a PlainTransport on
 * loopback, where `callerProducer` lives and the camera's producer is consumed back.
 */
export class SipLeg extends MediaLeg {
  readonly kind = 'sip' as const;
  readonly #callId: string;
  readonly #logger: Logger;
  readonly #announcedIp: string;
  readonly #edge: RtpEdge;
  readonly #transport: ms.PlainTransport;
  readonly #origin = new SdpOrigin();
  #negotiation: SipNegotiation;
  #producer: ms.Producer;
  #consumer: ms.Consumer | undefined;
  #video: SipCallVideo | undefined;
  #closed = false;

  private constructor(options: SipLegOptions, edge: RtpEdge, transport: ms.PlainTransport, negotiation: SipNegotiation, producer: ms.Producer, video: SipCallVideo | undefined) {
    super();
    this.#video = video;
    this.#callId = options.callId;
    this.#logger = options.logger;
    this.#announcedIp = options.announcedIp;
    this.#edge = edge;
    this.#transport = transport;
    this.#negotiation = negotiation;
    this.#producer = producer;
    edge.on('dtmf', (key) => this.safeEmit('dtmf', key));
    transport.on('routerclose', () => this.close());
  }

  static async create(options: SipLegOptions): Promise<SipLeg> {
    const negotiation = negotiateSipOffer(options.offerSdp, undefined);
    // The leg does not exist yet: the hook forwards to whatever the session sets later.
    let leg: SipLeg | undefined;
    const edge = await RtpEdge.open({ ...options, onActivity: () => leg?.onCallerActivity() });
    let transport: ms.PlainTransport | undefined;
    let video: SipCallVideo | undefined;
    try {
      transport = await options.router.createPlainTransport({ listenIp: LOOPBACK, rtcpMux: true, comedia: false, appData: { callId: options.callId } });
      await transport.connect({ ip: LOOPBACK, port: edge.innerPort });
      edge.connectMediasoup(transport.tuple.localIp, transport.tuple.localPort);
      const producer = await producePhoneAudio(transport, negotiation.codec, edge.producerSsrc);
      edge.configure(edgeConfig(negotiation));
      video = await SipCallVideo.open({ ...options, supervisor: options.video, session: negotiation.offer.session });
      options.logger.info({ callId: options.callId, codec: negotiation.codec.name, port: edge.port, phone: `${negotiation.offer.address}:${negotiation.offer.port}` }, 'sip leg created');
      leg = new SipLeg(options, edge, transport, negotiation, producer, video);
      return leg;
    } catch (error) {
      video?.close();
      transport?.close();
      edge.close();
      throw error;
    }
  }

  get codec(): NegotiatedCodec {
    return this.#negotiation.codec;
  }

  get callerProducer(): ms.Producer {
    return this.#producer;
  }

  get expectsCallerAudio(): boolean {
    const { offer } = this.#negotiation;
    return offer.direction === 'sendrecv' && isReachable(offer);
  }

  /** The phone-facing RTP port (the answer's m= port). */
  get rtpPort(): number {
    return this.#edge.port;
  }

  get edgeStats(): Readonly<RtpEdge['stats']> {
    return this.#edge.stats;
  }

  answer(): string {
    const { offer, codec, telephoneEvent, direction } = this.#negotiation;
    return this.#origin.stamp((sessionId, version) =>
      writeSipAnswer(
        { offer, codec, telephoneEvent, address: this.#announcedIp, port: this.#edge.port, direction, ...(this.#video && { video: this.#video.answer }) },
        sessionId,
        version,
      ),
    );
  }

  async connectCamera(cameraProducer: ms.Producer): Promise<void> {
    this.#consumer?.close();
    const { codec, direction } = this.#negotiation;
    this.#consumer = await this.#transport.consume({
      producerId: cameraProducer.id,
      // The phone's payload type, so packets go out to it unchanged.
      rtpCapabilities: {
        codecs: [{ kind: 'audio', mimeType: `audio/${codec.name}`, clockRate: codec.clockRate, channels: 1, preferredPayloadType: codec.payloadType, rtcpFeedback: [] }],
      },
      paused: !sends(direction),
    });
  }

  async renegotiate(offerSdp: string): Promise<LegRenegotiation> {
    const negotiation = negotiateSipOffer(offerSdp, this.#negotiation.codec);
    const codecChanged = !sameCodec(negotiation.codec, this.#negotiation.codec);
    if (codecChanged) {
      this.#producer.close();
      this.#producer = await producePhoneAudio(this.#transport, negotiation.codec, this.#edge.producerSsrc);
    }
    await this.#apply(negotiation, codecChanged);
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
    await this.#apply(negotiation, false);
    this.#edge.confirmPeer(); // the ACK that brought the answer confirms the new address too
    this.#logger.info({ callId: this.#callId, phone: `${negotiation.offer.address}:${negotiation.offer.port}`, direction: negotiation.direction }, 'sip leg took the answer from the ACK');
  }

  confirmPeer(): void {
    this.#edge.confirmPeer();
    this.#video?.confirmPeer();
  }

  async #apply(negotiation: SipNegotiation, codecChanged: boolean): Promise<void> {
    this.#negotiation = negotiation;
    this.#edge.configure(edgeConfig(negotiation));
    if (this.#consumer && !codecChanged) {
      if (sends(negotiation.direction)) await this.#consumer.resume();
      else await this.#consumer.pause();
    }
  }

  sendDtmf(key: DtmfKey): void {
    this.#edge.sendDtmf(key);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#video?.close();
    this.#transport.close();
    this.#edge.close();
    this.#logger.debug({ callId: this.#callId }, 'sip leg closed');
    this.removeAllListeners();
  }
}

/** RFC 3264 §6.1 for a phone's offer (or re-offer, keeping `current` when still offered); throws for a 488. */
export function negotiateSipOffer(offerSdp: string, current: NegotiatedCodec | undefined): SipNegotiation {
  const offer = parseAudioOffer(offerSdp, (protocol) => SIP_PROTOCOLS.has(protocol.toUpperCase()));
  const codec = current ? keepOrChooseCodec(offer.formats, current, SIP_CODEC_PREFERENCE) : chooseCodec(offer.formats, SIP_CODEC_PREFERENCE);
  if (!codec) throw new SdpNegotiationError('no-common-codec', 'the phone offers neither PCMU nor PCMA');
  return { offer, codec, telephoneEvent: findTelephoneEvent(offer.formats, codec.clockRate), direction: answerDirection(offer.direction) };
}

function edgeConfig({ offer, codec, telephoneEvent, direction }: SipNegotiation): RtpEdgeConfig {
  const reachable = isReachable(offer);
  return {
    audioPayloadType: codec.payloadType,
    routerPayloadType: ROUTER_PAYLOAD_TYPES[codec.name],
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

function producePhoneAudio(transport: ms.PlainTransport, codec: NegotiatedCodec, ssrc: number): Promise<ms.Producer> {
  return transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: `audio/${codec.name}`, payloadType: codec.payloadType, clockRate: codec.clockRate, channels: 1, rtcpFeedback: [] }],
      encodings: [{ ssrc }],
      rtcp: { cname: 'sip-phone', reducedSize: false },
    },
  });
}
