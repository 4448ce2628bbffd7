import type { RemoteInfo, Socket } from 'node:dgram';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import { keyPressPackets, Rfc4733Receiver } from '../audio/dtmf/rfc4733.ts';
import { FRAME_MS } from '../audio/contracts.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { UnsupportedError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import { bindUdp, type RtpPortRange } from './rtp-port-range.ts';
import { buildRtpPacket, isRtcp, parseRtpPacket, randomSsrc, rewriteRtpHeader, RTP_HEADER_SIZE, sequenceDelta, withFixedHeaderOnly } from './rtp-packet.ts';

/**
 * Strict RTP (as Asterisk's strictrtp and rtpengine's learning phase): the phone's source is
 * learnt in a short window after each answer, then locked. Within the window, a packet from
 * the exact address:port the SDP names is the phone at once; a source on a signalled IP
 * (the SDP's, or the one the INVITE came from) needs LEARN_PACKETS in-sequence packets of
 * one SSRC (a NAT that changed the port); any other IP only when the SDP names a private
 * address (the phone is behind a NAT that does not fix SDP) and only in the window.
 */
export const LEARNING_WINDOW_MS = 3000;
/** In-sequence packets of one SSRC a signalled-IP or NATed source sends before it is learnt. */
const LEARN_PACKETS = 3;
/**
 * After the lock only a sustained stream (0.2 s of audio) from a signalled IP moves the
 * target (NAT rebinding); anyone else needs a re-INVITE. Strangers' packets are dropped.
 */
const RELATCH_PACKETS = 10;
/** Dropped strangers' packets are logged once per burst: a burst ends after this quiet time. */
const DROP_LOG_QUIET_MS = 10_000;
/** Pause between two queued key presses sent as RFC 4733 events. */
const INTER_KEY_GAP_MS = 60;

export interface RtpEdgeConfig {
  /** Payload type of the negotiated audio codec (relayed). */
  readonly audioPayloadType: number;
  /** The Router's payload type for that codec: what mediasoup sends, rewritten to the phone's. */
  readonly routerPayloadType: number;
  readonly clockRate: number;
  /** Payload type of telephone-event when negotiated (read here, never relayed). */
  readonly telephoneEventPayloadType: number | undefined;
  /** Where the SDP says to send (c=/m=); undefined while it says not to (port 0, 0.0.0.0). */
  readonly sdpRemote: { readonly address: string; readonly port: number } | undefined;
  /** Whether the answer lets us send to the phone (sendrecv/sendonly). */
  readonly sendToPhone: boolean;
  /** The phone multiplexes RTCP on its RTP port (else it gets RTCP on the next port). */
  readonly rtcpMux?: boolean;
}

export type RtpEdgeEvents = {
  dtmf: [key: DtmfKey];
};

/** Per-packet hook for packets from the phone that never reach mediasoup (RTCP, events). */
export type PhoneActivityHook = () => void;

export interface RtpEdgeStats {
  fromPhone: number;
  toPhone: number;
  relayedToMediasoup: number;
  rtcpFromPhone: number;
  telephoneEvents: number;
  /** RTP from addresses other than the phone's, or with a payload type not negotiated. */
  dropped: number;
  /** Of those, RTP and RTCP from sources that are not the phone (strangers). */
  fromStrangers: number;
  sourceChanges: number;
  ssrcChanges: number;
}

interface Endpoint {
  address: string;
  port: number;
}

/** A source on its way to be learnt: its packets so far were in sequence with one SSRC. */
interface Candidate {
  endpoint: Endpoint;
  ssrc: number;
  sequenceNumber: number;
  count: number;
}

/**
 * Where a SIP phone's RTP meets the gateway, in Node, before mediasoup: one call's UDP
 * port pair towards the phone and a loopback socket towards the call's mediasoup
 * PlainTransport. It reads RFC 4733 events here (mediasoup consumers drop them), speaks
 * symmetric RTP (RFC 4961: answers to where the phone really sends from, for NAT), and
 * hands mediasoup one steady stream: a phone's SSRC change or restart is renumbered into
 * the producer's SSRC with continuous sequence numbers and timestamps.
 *
 * Nothing is sent to the phone before it proved it is there: its ACK (`confirmPeer`) or RTP
 * from it that the strict learning accepted. A send that fails is logged, never thrown, and
 * nothing a peer sends can throw out of a socket handler.
 */
export class RtpEdge extends TypedEmitter<RtpEdgeEvents> {
  readonly port: number;
  /** The SSRC of the stream mediasoup's producer receives. */
  readonly producerSsrc = randomSsrc();
  readonly stats: RtpEdgeStats = {
    fromPhone: 0, toPhone: 0, relayedToMediasoup: 0, rtcpFromPhone: 0, telephoneEvents: 0, dropped: 0, fromStrangers: 0, sourceChanges: 0, ssrcChanges: 0,
  };

  readonly #callId: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #phoneRtp: Socket;
  readonly #phoneRtcp: Socket;
  readonly #inner: Socket;
  readonly #release: () => void;
  readonly #onActivity: PhoneActivityHook;
  /** The address the call's SIP came from (a NATed phone's public address). */
  readonly #signallingAddress: string | undefined;
  /** Video: RTCP passes both ways (the phone's PLI/FIR reach the source, our sender reports the phone). */
  readonly #relayRtcp: boolean;
  readonly #receiver = new Rfc4733Receiver();
  #config: RtpEdgeConfig | undefined;
  #mediasoup: Endpoint | undefined;
  /** The phone's address as learnt from its packets (symmetric RTP). */
  #latched: Endpoint | undefined;
  #candidate: Candidate | undefined;
  /** Until when a source may be learnt (reopened when a new SDP names a new address). */
  #learningUntil = 0;
  /** The SIP dialog is confirmed (ACK): the SDP's address may get audio before the phone sent any. */
  #peerConfirmed = false;
  readonly #silenceLimitMs: number;
  /** When the phone was last heard (RTP or RTCP), or confirmed itself by its ACK. */
  #lastHeardAt = Number.NEGATIVE_INFINITY;
  #silenceLogged = false;
  #lastStrangerAt = Number.NEGATIVE_INFINITY;
  // Phone -> mediasoup renumbering.
  #inSsrc: number | undefined;
  #lastInSequence = 0;
  #sequenceOffset = 0;
  #timestampOffset = 0;
  #lastOutSequence = 0;
  #lastOutTimestamp = 0;
  #lastInAt = 0;
  // Mediasoup -> phone: sequence numbers shift by the RFC 4733 packets we insert.
  #toPhoneSequenceOffset = 0;
  #lastToPhoneSequence: number | undefined;
  #lastToPhoneTimestamp: number | undefined;
  #toPhoneSsrc = randomSsrc();
  #rebaseToPhone = false;
  /** A key press (its packets or the gap after it) is in progress. */
  #keyBusy = false;
  /** Event packets are going out: audio to the phone pauses (RFC 4733 §2.5.1.1). */
  #audioPaused = false;
  readonly #keyQueue: DtmfKey[] = [];
  readonly #timers = new Set<TimerHandle>();
  #socketErrors = 0;
  #closed = false;

  private constructor(options: {
    callId: string; logger: Logger; clock: Clock; port: number; rtp: Socket; rtcp: Socket; inner: Socket; release: () => void; onActivity: PhoneActivityHook;
    signallingAddress: string | undefined; silenceLimitMs: number; relayRtcp: boolean;
  }) {
    super();
    this.#callId = options.callId;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.port = options.port;
    this.#phoneRtp = options.rtp;
    this.#phoneRtcp = options.rtcp;
    this.#inner = options.inner;
    this.#release = options.release;
    this.#onActivity = options.onActivity;
    this.#signallingAddress = options.signallingAddress;
    this.#silenceLimitMs = options.silenceLimitMs;
    this.#relayRtcp = options.relayRtcp;
    for (const socket of [this.#phoneRtp, this.#phoneRtcp, this.#inner]) {
      // A failing send (unreachable phone) must not crash the process, nor flood the log 50 times a second.
      socket.on('error', (error) => this.#logSocketError(error));
    }
    this.#phoneRtp.on('message', (datagram, from) => this.#guarded(() => this.#fromPhone(datagram, from)));
    this.#phoneRtcp.on('message', (datagram, from) => this.#guarded(() => this.#rtcpFromPhone(datagram, from)));
    this.#inner.on('message', (datagram, from) => this.#guarded(() => this.#fromMediasoup(datagram, from)));
  }

  static async open(options: {
    callId: string; logger: Logger; clock: Clock; portRange: RtpPortRange; listenIp: string; onActivity: PhoneActivityHook;
    /** The IP the call's SIP came from: RTP from it may be learnt like the SDP's. */
    signallingAddress?: string;
    /** Audio to the phone stops once it sent no RTP/RTCP for this long (no reflection to a silent address). */
    silenceLimitMs: number;
    /** Pass RTCP both ways (video: key-frame requests); audio RTCP ends here. */
    relayRtcp?: boolean;
  }): Promise<RtpEdge> {
    const pair = await options.portRange.bindPair(options.listenIp);
    const inner = await bindUdp('127.0.0.1', 0);
    if (!inner) {
      pair.rtp.close();
      pair.rtcp.close();
      options.portRange.release(pair.port);
      throw new Error('cannot bind a loopback UDP socket');
    }
    return new RtpEdge({
      ...options, signallingAddress: options.signallingAddress, relayRtcp: options.relayRtcp ?? false, port: pair.port, rtp: pair.rtp, rtcp: pair.rtcp, inner, release: () => options.portRange.release(pair.port),
    });
  }

  /** The loopback port mediasoup's PlainTransport sends the caller's audio to. */
  get innerPort(): number {
    return this.#inner.address().port;
  }

  /**
   * The caller's ACK arrived: audio may go to the SDP's address before the phone sent any,
   * and a phone not learnt yet (the camera rang for a while) gets a learning window again.
   */
  confirmPeer(): void {
    this.#peerConfirmed = true;
    this.#lastHeardAt = Math.max(this.#lastHeardAt, this.#clock.now());
    if (!this.#latched) this.#learningUntil = this.#clock.now() + LEARNING_WINDOW_MS;
  }

  /** The mediasoup PlainTransport's own address (its tuple's local side). */
  connectMediasoup(address: string, port: number): void {
    this.#mediasoup = { address, port };
  }

  /** Applies the negotiated state; called again after each re-offer. */
  configure(config: RtpEdgeConfig): void {
    const previous = this.#config?.sdpRemote;
    const next = config.sdpRemote;
    if (!this.#config || (previous && next && (previous.address !== next.address || previous.port !== next.port))) {
      // An answer, or the phone announced a new address: learn again where it really sends from.
      this.#latched = undefined;
      this.#candidate = undefined;
      this.#learningUntil = this.#clock.now() + LEARNING_WINDOW_MS;
    }
    if (this.#config && this.#config.audioPayloadType !== config.audioPayloadType) this.#rebaseToPhone = true;
    this.#config = config;
  }

  /** Queues a key press to the phone as RFC 4733 events (§2.5.1). */
  sendDtmf(key: DtmfKey): void {
    if (this.#config?.telephoneEventPayloadType === undefined) {
      throw new UnsupportedError('the phone did not negotiate telephone-event');
    }
    this.#keyQueue.push(key);
    if (!this.#keyBusy) this.#sendNextKey();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    for (const socket of [this.#phoneRtp, this.#phoneRtcp, this.#inner]) socket.close();
    this.#release();
    this.#logger.info({ callId: this.#callId, stats: this.stats }, 'rtp edge closed');
    this.removeAllListeners();
  }

  #fromPhone(datagram: Buffer, from: RemoteInfo): void {
    const config = this.#config;
    if (!config || !this.#mediasoup) return;
    if (isRtcp(datagram)) {
      this.#rtcpFromPhone(datagram, from); // rtcp-mux
      return;
    }
    const packet = parseRtpPacket(datagram);
    if (!packet) {
      this.stats.dropped++;
      return;
    }
    if (!this.#acceptSource(from, packet.ssrc, packet.sequenceNumber)) {
      this.#dropStranger(from);
      return;
    }
    this.stats.fromPhone++;
    this.#lastHeardAt = this.#clock.now();
    if (packet.payloadType === config.telephoneEventPayloadType) {
      this.stats.telephoneEvents++;
      this.#onActivity();
      if (packet.ssrc === this.#inSsrc && sequenceDelta(this.#lastInSequence, packet.sequenceNumber) === 1) {
        // Close the hole this packet leaves in the audio numbering, so the jitter buffer
        // behind mediasoup does not wait for (and conceal) packets that never come.
        this.#lastInSequence = packet.sequenceNumber;
        this.#sequenceOffset--;
      }
      const key = this.#receiver.receive(packet.timestamp, packet.payload);
      if (key) {
        this.#logger.info({ callId: this.#callId, source: 'rfc4733' }, 'dtmf key received');
        this.safeEmit('dtmf', key);
      }
      return;
    }
    if (packet.payloadType !== config.audioPayloadType) {
      this.stats.dropped++; // comfort noise or a codec we did not answer
      return;
    }
    this.#renumber(packet.ssrc, packet.sequenceNumber, packet.timestamp, config.clockRate);
    const sequenceNumber = (packet.sequenceNumber + this.#sequenceOffset) & 0xffff;
    const timestamp = (packet.timestamp + this.#timestampOffset) >>> 0;
    if (sequenceDelta(this.#lastOutSequence, sequenceNumber) > 0) {
      this.#lastOutSequence = sequenceNumber;
      this.#lastOutTimestamp = timestamp;
    }
    rewriteRtpHeader(datagram, sequenceNumber, timestamp, this.producerSsrc);
    if (this.#send(this.#inner, datagram, this.#mediasoup)) this.stats.relayedToMediasoup++;
  }

  /** RTCP is a sign of life (a muted phone with silence suppression still sends it); never audio. */
  #rtcpFromPhone(datagram: Buffer, from: RemoteInfo): void {
    const latched = this.#latched;
    if (latched ? latched.address !== from.address : !this.#isSignalledIp(from.address)) {
      this.#dropStranger(from);
      return;
    }
    this.stats.rtcpFromPhone++;
    this.#lastHeardAt = this.#clock.now();
    this.#onActivity();
    if (this.#relayRtcp && this.#mediasoup) this.#send(this.#inner, datagram, this.#mediasoup);
  }

  /** Strict symmetric RTP: whether this packet comes from the phone (learning it if due). */
  #acceptSource(from: RemoteInfo, ssrc: number, sequenceNumber: number): boolean {
    const latched = this.#latched;
    if (latched && latched.address === from.address && latched.port === from.port) {
      this.#candidate = undefined;
      return true;
    }
    const learning = this.#clock.now() <= this.#learningUntil;
    const sdp = this.#config?.sdpRemote;
    if (!latched && learning && sdp && sdp.address === from.address && sdp.port === from.port) {
      this.#latch(from, 'rtp from phone latched');
      return true;
    }
    const signalled = this.#isSignalledIp(from.address);
    // Outside the window, or once locked, only a sustained stream from a signalled IP moves it.
    const needed = !latched && learning ? LEARN_PACKETS : RELATCH_PACKETS;
    if (!signalled && !(learning && !latched && this.#sdpBehindNat())) return false;
    const candidate = this.#candidate;
    if (
      candidate && candidate.endpoint.address === from.address && candidate.endpoint.port === from.port &&
      candidate.ssrc === ssrc && sequenceDelta(candidate.sequenceNumber, sequenceNumber) === 1
    ) {
      candidate.sequenceNumber = sequenceNumber;
      if (++candidate.count >= needed) {
        if (latched) this.stats.sourceChanges++;
        this.#latch(from, latched ? 'rtp source of phone changed' : 'rtp from phone latched');
        return true;
      }
    } else if (!candidate || signalled || candidate.count < 2) {
      // A source on a signalled IP takes over; an unsignalled one (NAT guess) cannot displace
      // a candidate that is already in sequence, so two interleaved streams still end in a choice.
      this.#candidate = { endpoint: { address: from.address, port: from.port }, ssrc, sequenceNumber, count: 1 };
    }
    return false;
  }

  #latch(from: RemoteInfo, message: string): void {
    this.#latched = { address: from.address, port: from.port };
    this.#candidate = undefined;
    this.#logger.info({ callId: this.#callId, phone: `${from.address}:${from.port}` }, message);
  }

  /** The SDP's IP or the one the SIP came from. */
  #isSignalledIp(address: string): boolean {
    return address === this.#config?.sdpRemote?.address || address === this.#signallingAddress;
  }

  /** The SDP names a private address that is not where the SIP came from: a NAT the SDP does not tell of. */
  #sdpBehindNat(): boolean {
    const sdp = this.#config?.sdpRemote;
    return sdp !== undefined && sdp.address !== this.#signallingAddress && isPrivateAddress(sdp.address);
  }

  /** Counts a stranger's packet; logs the first of each burst (a spray must not flood the log). */
  #dropStranger(from: RemoteInfo): void {
    this.stats.dropped++;
    this.stats.fromStrangers++;
    const now = this.#clock.now();
    if (now - this.#lastStrangerAt > DROP_LOG_QUIET_MS) {
      this.#logger.warn({ callId: this.#callId, source: `${from.address}:${from.port}`, droppedSoFar: this.stats.fromStrangers }, 'rtp from a stranger dropped');
    }
    this.#lastStrangerAt = now;
  }

  /** A new SSRC (phone restarted its stream) continues where the previous one stopped. */
  #renumber(ssrc: number, sequenceNumber: number, timestamp: number, clockRate: number): void {
    const now = this.#clock.now();
    if (this.#inSsrc === undefined) {
      this.#inSsrc = ssrc;
      this.#lastOutSequence = sequenceNumber;
      this.#lastOutTimestamp = timestamp;
    } else if (ssrc !== this.#inSsrc) {
      this.stats.ssrcChanges++;
      this.#logger.info({ callId: this.#callId, ssrc }, 'ssrc of phone changed');
      this.#inSsrc = ssrc;
      const elapsed = Math.max(1, Math.round(((now - this.#lastInAt) * clockRate) / 1000));
      this.#sequenceOffset = this.#lastOutSequence + 1 - sequenceNumber;
      this.#timestampOffset = this.#lastOutTimestamp + elapsed - timestamp;
    }
    this.#lastInSequence = sequenceNumber;
    this.#lastInAt = now;
  }

  #fromMediasoup(received: Buffer, from: RemoteInfo): void {
    const mediasoup = this.#mediasoup;
    if (!mediasoup || from.port !== mediasoup.port || from.address !== mediasoup.address) return;
    if (isRtcp(received)) {
      this.#rtcpToPhone(received);
      return;
    }
    if (this.#audioPaused) return;
    const target = this.#sendTarget();
    if (!target || !this.#config?.sendToPhone || received.length < RTP_HEADER_SIZE) return;
    // Plain RTP/AVP phones get the packet without the worker's RFC 8285 extensions.
    const datagram = withFixedHeaderOnly(received);
    const sequenceNumber = datagram.readUInt16BE(2);
    if (this.#rebaseToPhone || this.#lastToPhoneSequence === undefined) {
      this.#toPhoneSequenceOffset = this.#lastToPhoneSequence === undefined ? 0 : this.#lastToPhoneSequence + 1 - sequenceNumber;
      this.#rebaseToPhone = false;
    }
    const outSequence = (sequenceNumber + this.#toPhoneSequenceOffset) & 0xffff;
    this.#lastToPhoneSequence = outSequence;
    this.#lastToPhoneTimestamp = datagram.readUInt32BE(4);
    this.#toPhoneSsrc = datagram.readUInt32BE(8);
    datagram.writeUInt16BE(outSequence, 2);
    const { audioPayloadType, routerPayloadType } = this.#config;
    if (audioPayloadType !== routerPayloadType && (datagram[1]! & 0x7f) === routerPayloadType) {
      datagram[1] = (datagram[1]! & 0x80) | audioPayloadType;
    }
    if (this.#send(this.#phoneRtp, datagram, target)) this.stats.toPhone++;
  }

  /** Sender reports and feedback from mediasoup, where RTP may go (same rules), on the phone's RTCP port. */
  #rtcpToPhone(datagram: Buffer): void {
    const target = this.#relayRtcp ? this.#sendTarget() : undefined;
    if (!target || !this.#config?.sendToPhone) return;
    if (this.#config.rtcpMux) this.#send(this.#phoneRtp, datagram, target);
    else this.#send(this.#phoneRtcp, datagram, { address: target.address, port: target.port + 1 });
  }

  #sendNextKey(): void {
    const key = this.#keyQueue.shift();
    const config = this.#config;
    if (key === undefined || !config || config.telephoneEventPayloadType === undefined) {
      this.#keyBusy = false;
      return;
    }
    this.#keyBusy = true;
    this.#audioPaused = true;
    const payloadType = config.telephoneEventPayloadType;
    const samplesPerFrame = (config.clockRate * FRAME_MS) / 1000;
    // §2.3.1: the event starts where the next audio frame would have.
    const timestamp = ((this.#lastToPhoneTimestamp ?? randomSsrc()) + samplesPerFrame) >>> 0;
    const packets = keyPressPackets(key, { clockRate: config.clockRate });
    packets.forEach((event, index) => {
      this.#after(event.sendAtMs, () => {
        const target = this.#sendTarget();
        const sequenceNumber = ((this.#lastToPhoneSequence ?? randomSsrc()) + 1) & 0xffff;
        this.#lastToPhoneSequence = sequenceNumber;
        if (target && config.sendToPhone) {
          const packet = buildRtpPacket({ marker: event.marker, payloadType, sequenceNumber, timestamp, ssrc: this.#toPhoneSsrc }, event.payload);
          this.#send(this.#phoneRtp, packet, target);
        }
        if (index === packets.length - 1) {
          this.#audioPaused = false;
          this.#rebaseToPhone = true;
          this.#after(INTER_KEY_GAP_MS, () => this.#sendNextKey());
        }
      });
    });
  }

  /**
   * Where audio goes now: the learnt address, else (once the ACK confirmed the dialog) the
   * SDP's. Undefined while nothing may be sent: before the phone proved itself either way,
   * and once it fell silent (no RTP or RTCP) for the silence limit (the RTP timeout).
   */
  #sendTarget(): Endpoint | undefined {
    const target = this.#latched ?? (this.#peerConfirmed ? this.#config?.sdpRemote : undefined);
    if (!target) return undefined;
    if (this.#clock.now() - this.#lastHeardAt <= this.#silenceLimitMs) {
      this.#silenceLogged = false;
      return target;
    }
    if (!this.#silenceLogged) {
      this.#silenceLogged = true;
      this.#logger.warn({ callId: this.#callId, silenceLimitMs: this.#silenceLimitMs }, 'phone silent: audio to it paused');
    }
    return undefined;
  }

  /** Sends without ever throwing (a bad port or address throws synchronously in Node); false when it failed. */
  #send(socket: Socket, datagram: Buffer, to: Endpoint): boolean {
    try {
      socket.send(datagram, to.port, to.address);
      return true;
    } catch (error) {
      this.#logSocketError(error);
      return false;
    }
  }

  /** A failing send (unreachable phone) must not crash the process, nor flood the log 50 times a second. */
  #logSocketError(error: unknown): void {
    const level = this.#socketErrors++ === 0 ? 'warn' : 'debug';
    this.#logger[level]({ callId: this.#callId, err: error }, 'rtp edge socket error');
  }

  /** Runs a socket handler; whatever a packet makes it throw is logged, never thrown into the event loop. */
  #guarded(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.stats.dropped++;
      this.#logger.warn({ callId: this.#callId, err: error }, 'rtp packet could not be handled');
    }
  }

  #after(ms: number, fn: () => void): void {
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) fn();
    }, ms);
    this.#timers.add(timer);
  }
}

/** RFC 1918, RFC 6598 (carrier-grade NAT), link-local and IPv6 unique-local addresses. */
function isPrivateAddress(address: string): boolean {
  if (address.includes(':')) return /^f[cd]/i.test(address) || /^fe[89ab]/i.test(address);
  const [a = 0, b = 0] = address.split('.').map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
}
