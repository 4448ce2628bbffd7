import type { types as ms } from 'mediasoup';
import type { SessionDescription } from 'sdp-transform';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { RtpEdge } from '../rtp-edge.ts';
import { RtpPortsExhaustedError, type RtpPortRange } from '../rtp-port-range.ts';
import { checkAddress, type OfferedFormat } from '../sdp/audio-offer.ts';
import { isSipRtpProfile, type SipVideoAnswer } from '../sdp/sip-answer.ts';
import { findVideoOffer, type SourceCodec, type VideoOffer } from '../sdp/video-offer.ts';
import { CallVideo } from './call-video.ts';
import { EdgeRelay } from './edge-relay.ts';
import type { VideoSupervisor } from './video-supervisor.ts';

const LOOPBACK = '127.0.0.1';

export interface SipCallVideoOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly router: ms.Router;
  readonly portRange: RtpPortRange;
  readonly listenIp: string;
  readonly silenceLimitMs: number;
  readonly signallingAddress?: string;
  readonly supervisor: VideoSupervisor | undefined;
  readonly session: SessionDescription;
}

/**
 * The camera's picture to a SIP video phone: sendonly, the source's own H.264 (any profile;
 * packetization-mode 1, or 0 when the source sends one NAL unit per packet) or VP8, never
 * transcoded. It leaves through its own RtpEdge in the main thread (relayed from mediasoup by
 * an EdgeRelay), with the audio's strict-RTP rules (nothing before the ACK or a learnt source,
 * nothing to a phone silent for the RTP timeout) and RTCP passed both ways, so the phone's
 * PLI/FIR reach the source. A video m-line it cannot serve is answered with port 0 and the reason.
 */
export class SipCallVideo {
  readonly #answer: SipVideoAnswer;
  readonly #video: CallVideo | undefined;
  readonly #edge: RtpEdge | undefined;
  readonly #relay: EdgeRelay | undefined;
  readonly #transport: ms.PlainTransport | undefined;

  private constructor(answer: SipVideoAnswer, video?: CallVideo, edge?: RtpEdge, relay?: EdgeRelay, transport?: ms.PlainTransport) {
    this.#answer = answer;
    this.#video = video;
    this.#edge = edge;
    this.#relay = relay;
    this.#transport = transport;
  }

  /** undefined when the offer has no active m=video. */
  static async open(options: SipCallVideoOptions): Promise<SipCallVideo | undefined> {
    const offered = findVideoOffer(options.session);
    if (!offered) return undefined;
    const refuse = (unavailable: string, video?: CallVideo): SipCallVideo => {
      video?.close();
      options.logger.info({ callId: options.callId, reason: unavailable }, 'sip video refused');
      return new SipCallVideo({ index: offered.index, unavailable });
    };
    if (!isSipRtpProfile(offered.media.protocol)) return refuse(`m=video over ${offered.media.protocol} is not served`);
    if (!options.supervisor) return refuse('this camera has no video');
    if (!offered.wantsToReceive) return refuse('the camera sends video and takes none');
    const video = await CallVideo.open({ callId: options.callId, supervisor: options.supervisor, router: options.router, logger: options.logger });
    const producer = video.producer;
    if (!producer) return refuse(video.unavailableReason, video);
    const source = producer.consumableRtpParameters.codecs[0]!;
    const singleNalUnits = options.supervisor.source.singleNalUnits;
    const chosen = phoneFormat(offered, source, singleNalUnits);
    if (!chosen) return refuse(formatMismatch(offered, source, singleNalUnits), video);
    const { format, packetizationMode } = chosen;
    const connection = offered.media.connection ?? options.session.connection;
    let remote: { address: string; port: number } | undefined;
    try {
      const address = connection?.ip ? checkAddress(connection.ip, connection.version) : undefined;
      remote = address && address !== '0.0.0.0' && address !== '::' ? { address, port: offered.media.port } : undefined;
    } catch (error) {
      return refuse((error as Error).message, video);
    }
    let edge: RtpEdge;
    try {
      const pair = await options.portRange.bindPair(options.listenIp);
      edge = new RtpEdge({
        callId: options.callId, logger: options.logger, clock: options.clock, pair, release: () => options.portRange.release(pair.port),
        silenceLimitMs: options.silenceLimitMs, relayRtcp: true, ...(options.signallingAddress !== undefined && { signallingAddress: options.signallingAddress }),
      });
    } catch (error) {
      // The audio has its ports: a full range costs the call its video, not the call.
      if (error instanceof RtpPortsExhaustedError) return refuse('no free RTP ports for video', video);
      throw error;
    }
    let relay: EdgeRelay | undefined;
    let transport: ms.PlainTransport | undefined;
    try {
      relay = await EdgeRelay.open(edge, options.logger, options.callId);
      transport = await options.router.createPlainTransport({ listenIp: LOOPBACK, rtcpMux: true, comedia: false, appData: { callId: options.callId } });
      await transport.connect({ ip: LOOPBACK, port: relay.port });
      relay.connect(transport.tuple.localIp, transport.tuple.localPort);
      const rtcpMux = offered.media.rtcpMux === 'rtcp-mux';
      edge.configure({
        payloadType: format.payloadType, sentPayloadType: source.payloadType, clockRate: 90000,
        telephoneEventPayloadType: undefined, sdpRemote: remote, sendToPhone: remote !== undefined, rtcpMux,
      });
      const plainTransport = transport;
      await video.attach(source, (relayed) =>
        plainTransport.consume({
          producerId: relayed.id,
          rtpCapabilities: {
            codecs: [{
              kind: 'video', mimeType: source.mimeType, clockRate: 90000, preferredPayloadType: source.payloadType, parameters: source.parameters ?? {},
              rtcpFeedback: [{ type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
            }],
          },
        }),
      );
      const fmtp = source.mimeType === 'video/H264' ? `packetization-mode=${packetizationMode};profile-level-id=${String(source.parameters?.['profile-level-id'] ?? '42e01f')}` : undefined;
      options.logger.info({ callId: options.callId, codec: `${format.encoding}/${format.payloadType}`, packetizationMode, port: edge.port, phone: remote ? `${remote.address}:${remote.port}` : null }, 'sip video answered');
      return new SipCallVideo({ index: offered.index, port: edge.port, format, fmtp, rtcpMux }, video, edge, relay, transport);
    } catch (error) {
      transport?.close();
      relay?.close();
      edge.close();
      video.close();
      throw error;
    }
  }

  get answer(): SipVideoAnswer {
    return this.#answer;
  }

  /** The ACK: video may go to the SDP's address (as the audio). */
  confirmPeer(): void {
    this.#edge?.confirmPeer();
  }

  close(): void {
    this.#video?.close();
    this.#transport?.close();
    this.#relay?.close();
    this.#edge?.close();
  }
}

/** The phone's format for the source's codec, and for H.264 the packetization mode it goes out in. */
interface PhoneFormat {
  readonly format: OfferedFormat;
  readonly packetizationMode: 0 | 1 | undefined;
}

/**
 * For H.264: packetization-mode 1 with the same profile preferred, then any mode 1; mode 0
 * (RFC 6184: also a format without the parameter) only from a source whose every packet is
 * one whole NAL unit, since a fragmented stream would need a re-encode to fit.
 */
function phoneFormat(offered: VideoOffer, source: SourceCodec, singleNalUnits: boolean): PhoneFormat | undefined {
  const name = source.mimeType.split('/')[1]!.toLowerCase();
  const candidates = offered.formats.filter((f) => f.encoding.toLowerCase() === name && f.clockRate === 90000);
  if (name !== 'h264') return candidates[0] && { format: candidates[0], packetizationMode: undefined };
  const profile = String(source.parameters?.['profile-level-id'] ?? '').slice(0, 4).toLowerCase();
  const pick = (mode: 0 | 1): PhoneFormat | undefined => {
    const inMode = candidates.filter((f) => packetizationModeOf(f) === mode);
    const format = inMode.find((f) => new RegExp(`profile-level-id=${profile}`, 'i').test(f.fmtp ?? '')) ?? inMode[0];
    return format && { format, packetizationMode: mode };
  };
  return pick(1) ?? (singleNalUnits ? pick(0) : undefined);
}

function packetizationModeOf(format: OfferedFormat): number {
  return Number(/packetization-mode=(\d+)/i.exec(format.fmtp ?? '')?.[1] ?? 0);
}

/** Why no offered format fits: the `i=` of the refused m=video. */
function formatMismatch(offered: VideoOffer, source: SourceCodec, singleNalUnits: boolean): string {
  const name = source.mimeType.split('/')[1]!;
  if (name.toLowerCase() !== 'h264' || singleNalUnits) return `the phone offers no ${name} (no transcoding)`;
  const modeZeroOnly = offered.formats.some((f) => f.encoding.toLowerCase() === 'h264' && packetizationModeOf(f) === 0);
  return modeZeroOnly
    ? 'the phone offers H264 packetization-mode 0 only and the camera stream fragments its NAL units (no transcoding)'
    : 'the phone offers no H264 packetization-mode 1 (no transcoding)';
}
