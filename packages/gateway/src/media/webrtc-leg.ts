import type { types as ms } from 'mediasoup';
import * as sdpTransform from 'sdp-transform';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import { UnsupportedError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { CodecName } from '../audio/contracts.ts';
import { MediaLeg, type LegRenegotiation } from './media-leg.ts';
import { ROUTER_PAYLOAD_TYPES } from './router-codecs.ts';
import type { RtpAudioEngine } from './rtp-audio-engine.ts';
import type { OfferedFormat } from './sdp/audio-offer.ts';
import { answerDirection, sends, type MediaDirection } from './sdp/media-direction.ts';
import { chooseCodec, keepOrChooseCodec, sameCodec, type NegotiatedCodec } from './sdp/negotiated-codec.ts';
import { SdpNegotiationError } from './sdp/sdp-negotiation-error.ts';
import { SdpOrigin } from './sdp/sdp-origin.ts';
import { chooseVideoFormat, describeVideoMismatch, findVideoOffer, type VideoOffer } from './sdp/video-offer.ts';
import { MID_EXTENSION_URI, VIDEO_RTCP_FEEDBACK, writeWebRtcAnswer, type VideoAnswer } from './sdp/webrtc-answer.ts';
import { parseWebRtcOffer, type WebRtcOffer } from './sdp/webrtc-offer.ts';
import { ThreadAudioLink } from './thread-audio-link.ts';
import { CallVideo } from './video/call-video.ts';
import type { VideoSupervisor } from './video/video-supervisor.ts';

/** Browsers offer Opus first; G.711 when the page prefers it, or offers Opus under another number. */
const WEBRTC_CODEC_PREFERENCE = [['opus'], ['PCMU', 'PCMA']] as const;

export interface WebRtcLegOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly router: ms.Router;
  /** Address the WebRtcTransport binds (0.0.0.0 for all interfaces). */
  readonly listenIp: string;
  /** Address put into the ICE candidate; required when listenIp is 0.0.0.0. */
  readonly announcedIp: string | undefined;
  readonly offerSdp: string;
  /** The call's audio engine: linked to the caller's audio through a PlainTransport of its own. */
  readonly audio: RtpAudioEngine;
  /** The camera's video, offered to browsers that ask for it (m=video recvonly). */
  readonly video?: VideoSupervisor;
}

/** Stream and track ids the browser sees for the camera's audio and video (a=msid). */
const CAMERA_STREAM_ID = 'camgate';
const CAMERA_TRACK_ID = 'camera-audio';
const VIDEO_STREAM_ID = 'camgate-video';
const VIDEO_TRACK_ID = 'camera-video';

/**
 * A browser (JsSIP softphone) as the caller: an ICE-lite, DTLS-SRTP mediasoup
 * WebRtcTransport answering the browser's offer. The worker is the DTLS server when the
 * browser offers actpass (measured to work with Chromium). The browser's audio reaches the
 * call's engine through the Router (ThreadAudioLink), and the engine's comes back the same way.
 */
export class WebRtcLeg extends MediaLeg {
  readonly kind = 'webrtc' as const;
  readonly #callId: string;
  readonly #logger: Logger;
  readonly #transport: ms.WebRtcTransport;
  readonly #router: ms.Router;
  readonly #audio: RtpAudioEngine;
  readonly #origin = new SdpOrigin();
  /** RFC 5763 §5: chosen once; re-offers keep the DTLS roles of the association. */
  readonly #setup: 'active' | 'passive';
  #offer: WebRtcOffer;
  #codec: NegotiatedCodec;
  #direction: MediaDirection;
  #producer: ms.Producer;
  #consumer: ms.Consumer | undefined;
  #link: ThreadAudioLink | undefined;
  /** The call's share of the camera's video while the answer carries it. */
  #video: CallVideo | undefined;
  #videoAnswer: VideoAnswer | undefined;
  #closed = false;

  private constructor(options: WebRtcLegOptions, transport: ms.WebRtcTransport, offer: WebRtcOffer, codec: NegotiatedCodec, producer: ms.Producer) {
    super();
    this.#callId = options.callId;
    this.#logger = options.logger;
    this.#transport = transport;
    this.#router = options.router;
    this.#audio = options.audio;
    this.#offer = offer;
    this.#codec = codec;
    this.#producer = producer;
    this.#direction = answerDirection(offer.direction);
    this.#setup = offer.dtls.setup === 'passive' ? 'active' : 'passive';
    transport.on('dtlsstatechange', (state) => {
      this.#logger.info({ callId: this.#callId, dtlsState: state }, 'webrtc dtls state');
      if (state === 'failed' || state === 'closed') this.safeEmit('failed', `dtls ${state}`);
    });
    transport.on('routerclose', () => this.close());
  }

  static async create(options: WebRtcLegOptions): Promise<WebRtcLeg> {
    const offer = parseWebRtcOffer(options.offerSdp);
    const codec = chooseWebRtcCodec(offer);
    const transport = await options.router.createWebRtcTransport({
      listenIps: [{ ip: options.listenIp, ...(options.announcedIp ? { announcedIp: options.announcedIp } : {}) }],
      enableUdp: true,
      enableTcp: false,
      preferUdp: true,
      appData: { callId: options.callId },
    });
    let leg: WebRtcLeg | undefined;
    try {
      await transport.connect({
        dtlsParameters: {
          // Their role is the opposite of ours: actpass/active offers make us the server.
          role: offer.dtls.setup === 'passive' ? 'server' : 'client',
          fingerprints: offer.dtls.fingerprints.map((f) => ({ algorithm: f.algorithm, value: f.value })),
        },
      });
      const producer = await produceCallerAudio(transport, offer, codec);
      leg = new WebRtcLeg(options, transport, offer, codec, producer);
      await leg.#linkEngine();
      await leg.#offerVideo(findVideoOffer(offer.session), options.video);
      options.logger.info(
        { callId: options.callId, codec: codec.name, video: leg.videoUnavailable || 'sent', iceCandidates: transport.iceCandidates.map((c) => `${c.ip}:${c.port}`) },
        'webrtc leg created',
      );
      return leg;
    } catch (error) {
      if (leg) leg.close();
      else transport.close();
      options.audio.disconnectRtp();
      throw error;
    }
  }

  get codec(): NegotiatedCodec {
    return this.#codec;
  }

  get expectsCallerAudio(): boolean {
    return this.#offer.direction === 'sendrecv';
  }

  /** Why the answer refuses the offered video ('' when it carries it or none was offered). */
  get videoUnavailable(): string {
    const answer = this.#videoAnswer;
    return answer && 'unavailable' in answer ? answer.unavailable : '';
  }

  answer(): string {
    const consumer = this.#consumer;
    const sender =
      consumer && sends(this.#direction)
        ? { ssrc: consumer.rtpParameters.encodings![0]!.ssrc!, cname: consumer.rtpParameters.rtcp!.cname!, streamId: CAMERA_STREAM_ID, trackId: CAMERA_TRACK_ID }
        : undefined;
    const { iceParameters, iceCandidates, dtlsParameters } = this.#transport;
    const fingerprint = dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? dtlsParameters.fingerprints[0]!;
    return this.#origin.stamp((sessionId, version) =>
      writeWebRtcAnswer(
        {
          offer: this.#offer,
          codec: this.#codec,
          headerExtensions: this.#offer.midExtensionId !== undefined ? [{ id: this.#offer.midExtensionId, uri: MID_EXTENSION_URI }] : [],
          ice: {
            usernameFragment: iceParameters.usernameFragment,
            password: iceParameters.password,
            candidates: iceCandidates.map((c) => ({ foundation: c.foundation, priority: c.priority, ip: c.ip, port: c.port, protocol: c.protocol })),
          },
          fingerprint,
          setup: this.#setup,
          direction: this.#direction,
          sender,
          rtcpReducedSize: this.#offer.rtcpReducedSize,
          video: this.#videoWithSender(),
        },
        sessionId,
        version,
      ),
    );
  }

  /** (Re)links the engine to the current producer and codec: its stream to the browser is consumed here. */
  async #linkEngine(): Promise<void> {
    // Closed first: its disconnect reaches the engine before the new link's connect.
    this.#link?.close();
    const link = await ThreadAudioLink.create({
      callId: this.#callId, logger: this.#logger, router: this.#router, callerProducer: this.#producer, codec: this.#codec, audio: this.#audio,
      onCallerPacket: () => this.onCallerActivity(),
    });
    this.#link = link;
    if (this.#closed) {
      link.close();
      return;
    }
    const cameraProducer = link.producer;
    this.#consumer?.close();
    this.#consumer = await this.#transport.consume({
      producerId: cameraProducer.id,
      // The browser's codec with the payload type it offered; no header extensions, the
      // browser demultiplexes the single audio stream by the SSRC in our answer.
      rtpCapabilities: {
        codecs: [
          {
            kind: 'audio',
            mimeType: `audio/${this.#codec.name}`,
            clockRate: this.#codec.clockRate,
            channels: this.#codec.channels,
            preferredPayloadType: this.#codec.payloadType,
            rtcpFeedback: [],
          },
        ],
      },
      paused: !sends(this.#direction),
    });
  }

  async renegotiate(offerSdp: string): Promise<LegRenegotiation> {
    const offer = parseWebRtcOffer(offerSdp);
    const codec = keepOrChooseCodec(offer.formats, this.#codec, WEBRTC_CODEC_PREFERENCE, sentAsOffered);
    if (!codec) throw noCommonCodec();
    if (offer.ice.usernameFragment !== this.#offer.ice.usernameFragment || offer.ice.password !== this.#offer.ice.password) {
      // RFC 8839 §4.4.1.1.1: new remote credentials are an ICE restart; ours change too.
      await this.#transport.restartIce();
      this.#logger.info({ callId: this.#callId }, 'webrtc ice restart');
    }
    const codecChanged = !sameCodec(codec, this.#codec);
    if (codecChanged) {
      const producer = await produceCallerAudio(this.#transport, offer, codec);
      this.#producer.close();
      this.#producer = producer;
      this.#codec = codec;
    }
    this.#offer = offer;
    this.#direction = answerDirection(offer.direction);
    this.#keepVideo(findVideoOffer(offer.session));
    if (codecChanged) await this.#linkEngine();
    else if (this.#consumer) await this.#applyDirection(this.#consumer);
    this.#logger.info({ callId: this.#callId, codec: codec.name, direction: this.#direction, codecChanged }, 'webrtc leg renegotiated');
    return { codecChanged };
  }

  /** The browser's answer to our offer (its offerless re-INVITE): direction only; ICE and DTLS stay. */
  async applyAnswer(answerSdp: string): Promise<void> {
    const answer = parseWebRtcOffer(answerSdp);
    if (!answer.formats.some((f) => f.payloadType === this.#codec.payloadType && f.encoding.toLowerCase() === this.#codec.name.toLowerCase())) throw noCommonCodec();
    if (answer.ice.usernameFragment !== this.#offer.ice.usernameFragment || answer.ice.password !== this.#offer.ice.password) {
      throw new SdpNegotiationError('unsupported-transport', 'an answer cannot restart ICE; send a new offer');
    }
    this.#offer = answer;
    this.#direction = answerDirection(answer.direction);
    if (this.#consumer) await this.#applyDirection(this.#consumer);
    this.#logger.info({ callId: this.#callId, direction: this.#direction }, 'webrtc leg took the answer from the ACK');
  }

  /** Nothing to unlock: ICE connectivity checks and DTLS already prove the browser is there. */
  confirmPeer(): void {}

  sendDtmf(_key: DtmfKey): void {
    throw new UnsupportedError('browsers cannot receive RFC 4733 telephone-events');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#video?.close();
    this.#link?.close();
    this.#transport.close();
    this.#logger.debug({ callId: this.#callId }, 'webrtc leg closed');
    this.removeAllListeners();
  }

  /**
   * Answers an offered m=video: the camera's stream as it is, bundled and sendonly, when the
   * source runs and the browser offered its codec; otherwise port 0 with the reason (i=),
   * which the softphone shows. The lease lasts as long as the call carries the video.
   */
  async #offerVideo(offered: VideoOffer | undefined, supervisor: VideoSupervisor | undefined): Promise<void> {
    if (!offered) return;
    const refuse = (unavailable: string): void => {
      this.#video?.close();
      this.#video = undefined;
      this.#videoAnswer = { index: offered.index, unavailable };
    };
    if (!supervisor) return refuse('this camera has no video');
    if (!offered.wantsToReceive) return refuse('the camera sends video and takes none');
    const video = await CallVideo.open({ callId: this.#callId, supervisor, router: this.#router, logger: this.#logger });
    this.#video = video;
    if (this.#closed) return refuse('the call ended');
    const producer = video.producer;
    if (!producer) return refuse(video.unavailableReason);
    const source = producer.consumableRtpParameters.codecs[0]!;
    const routerCodecs = this.#router.rtpCapabilities.codecs!.map((c) => ({ mimeType: c.mimeType, payloadType: c.preferredPayloadType!, parameters: c.parameters }));
    const chosen = chooseVideoFormat(offered.formats, source, routerCodecs);
    if (!chosen) return refuse(describeVideoMismatch(offered.formats, source));
    const { format } = chosen;
    this.#videoAnswer = { index: offered.index, mid: offered.mid, format, streamId: VIDEO_STREAM_ID, trackId: VIDEO_TRACK_ID, sender: undefined };
    await video.attach(chosen.routerCodec, (relayed) =>
      this.#transport.consume({
        producerId: relayed.id,
        rtpCapabilities: {
          codecs: [
            {
              kind: 'video',
              mimeType: `video/${format.encoding}`,
              clockRate: format.clockRate,
              preferredPayloadType: format.payloadType,
              parameters: format.fmtp ? sdpTransform.parseParams(format.fmtp) : {},
              rtcpFeedback: VIDEO_RTCP_FEEDBACK.map((fb) => ({ ...fb })),
            },
          ],
        },
      }),
    );
  }

  /** The answered video with the SSRC the browser receives it under now. */
  #videoWithSender(): VideoAnswer | undefined {
    const answer = this.#videoAnswer;
    const consumer = this.#video?.consumer;
    if (!answer || 'unavailable' in answer || !consumer) return answer;
    return { ...answer, sender: { ssrc: consumer.rtpParameters.encodings![0]!.ssrc!, cname: consumer.rtpParameters.rtcp!.cname! } };
  }

  /** A re-offer keeps the video as answered when it still offers it the same way; else it is dropped. */
  #keepVideo(offered: VideoOffer | undefined): void {
    const answer = this.#videoAnswer;
    if (!answer) return;
    if (!offered) {
      this.#video?.close();
      this.#video = undefined;
      this.#videoAnswer = undefined;
      return;
    }
    const kept =
      !('unavailable' in answer) && offered.wantsToReceive && offered.mid === answer.mid && offered.formats.some((f) => f.payloadType === answer.format.payloadType);
    if (kept) this.#videoAnswer = { ...answer, index: offered.index };
    else {
      this.#video?.close();
      this.#video = undefined;
      this.#videoAnswer = { index: offered.index, unavailable: 'unavailable' in answer ? answer.unavailable : 'the re-offer changed the video' };
    }
  }

  async #applyDirection(consumer: ms.Consumer): Promise<void> {
    if (sends(this.#direction)) await consumer.resume();
    else await consumer.pause();
  }
}

/** Opus when offered under the Router's payload type, else G.711; throws for a 488. */
export function chooseWebRtcCodec(offer: WebRtcOffer): NegotiatedCodec {
  const codec = chooseCodec(offer.formats, WEBRTC_CODEC_PREFERENCE, sentAsOffered);
  if (!codec) throw noCommonCodec();
  return codec;
}

/** The worker sends the Router's payload type; only a codec the browser offered under it is usable. */
function sentAsOffered(name: CodecName, format: OfferedFormat): boolean {
  return ROUTER_PAYLOAD_TYPES[name] === format.payloadType;
}

function noCommonCodec(): SdpNegotiationError {
  return new SdpNegotiationError('no-common-codec', `the browser offers none of opus/${ROUTER_PAYLOAD_TYPES.opus}, PCMU/0, PCMA/8`);
}

/** The browser's audio as a Producer: its SSRC, payload type, MID and CNAME from the offer. */
function produceCallerAudio(transport: ms.WebRtcTransport, offer: WebRtcOffer, codec: NegotiatedCodec): Promise<ms.Producer> {
  return transport.produce({
    kind: 'audio',
    rtpParameters: {
      ...(offer.mid !== undefined ? { mid: offer.mid } : {}),
      codecs: [
        {
          mimeType: `audio/${codec.name}`,
          payloadType: codec.payloadType,
          clockRate: codec.clockRate,
          channels: codec.channels,
          parameters: codec.fmtp ? sdpTransform.parseParams(codec.fmtp) : {},
          rtcpFeedback: [],
        },
      ],
      headerExtensions: offer.midExtensionId !== undefined ? [{ uri: MID_EXTENSION_URI, id: offer.midExtensionId }] : [],
      encodings: [offer.ssrc !== undefined ? { ssrc: offer.ssrc } : {}],
      rtcp: { ...(offer.cname ? { cname: offer.cname } : {}), reducedSize: offer.rtcpReducedSize, mux: true },
    },
  });
}
