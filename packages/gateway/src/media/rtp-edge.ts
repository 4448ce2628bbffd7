import type { RemoteInfo, Socket } from 'node:dgram';
import type { DtmfKey } from '../audio/dtmf/keys.ts';
import { keyPressPackets, Rfc4733Receiver } from '../audio/dtmf/rfc4733.ts';
import { FRAME_MS } from '../audio/contracts.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { UnsupportedError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { RtpSocketPair } from './rtp-port-range.ts';
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
  /** Payload type of the negotiated codec (what the phone sends and gets). */
  readonly payloadType: number;
  /** Payload type of what `sendMedia` is given, when not `payloadType` (video relayed by mediasoup): rewritten per packet. */
  readonly sentPayloadType?: number;
  readonly clockRate: number;
  /** Payload type of telephone-event when negotiated (read here, never delivered). */
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
  /** Strict RTP learnt the phone's source, or moved it (NAT rebinding). */
  source: [address: string, port: number, moved: boolean];
  /** The phone restarted its stream under a new SSRC. */
  ssrc: [ssrc: number];
};

export interface RtpEdgeStats {
  fromPhone: number;
  toPhone: number;
  /** Media packets handed on (`onMedia`). */
  delivered: number;
  rtcpFromPhone: number;
  telephoneEvents: number;
  /** RTP from addresses other than the phone's, or with a payload type not negotiated. */
  dropped: number;
  /** Of those, RTP and RTCP from sources that are not the phone (strangers). */
  fromStrangers: number;
  sourceChanges: number;
  ssrcChanges: number;
}

export interface RtpEdgeOptions {
  readonly callId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The phone-facing port pair; the edge owns it from now on (closes it). */
  readonly pair: RtpSocketPair;
  /** Gives the pair's port back to its range once closed. */
  readonly release?: () => void;
  /** The IP the call's SIP came from: RTP from it may be learnt like the SDP's. */
  readonly signallingAddress?: string;
  /** Audio to the phone stops once it sent no RTP/RTCP for this long (no reflection to a silent address). */
  readonly silenceLimitMs: number;
  /** Hand RTCP on (`onRtcp`) and send RTCP to the phone (video: key-frame requests); audio RTCP ends here. */
  readonly relayRtcp?: boolean;
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

const ignore = (): void => undefined;

/**
 * Where a SIP phone's RTP meets the gateway, before anything else: one call's UDP port pair
 * towards the phone, in whatever thread serves the call (the call's audio thread for audio,
 * the main thread for video relayed by mediasoup). It reads RFC 4733 events first (they
 * never reach the audio path or mediasoup), speaks symmetric RTP (RFC 4961: answers to where
 * the phone really sends from, for NAT), and hands on one steady stream (`onMedia`): a
 * phone's SSRC change or restart is renumbered into one SSRC with continuous sequence
 * numbers and timestamps. What the call sends back goes through `sendMedia`.
 *
 * Nothing is sent to the phone before it proved it is there: its ACK (`confirmPeer`) or RTP
 * from it that the strict learning accepted. A send that fails is logged, never thrown, and
 * nothing a peer sends can throw out of a socket handler.
 */
export class RtpEdge extends TypedEmitter<RtpEdgeEvents> {
  readonly port: number;
  readonly stats: RtpEdgeStats = {
    fromPhone: 0, toPhone: 0, delivered: 0, rtcpFromPhone: 0, telephoneEvents: 0, dropped: 0, fromStrangers: 0, sourceChanges: 0, ssrcChanges: 0,
  };
  /** Each accepted media packet, renumbered (a plain callback: it runs per packet). */
  onMedia: (datagram: Buffer) => void = ignore;
  /** Each RTCP packet from the phone, when RTCP is relayed. */
  onRtcp: (datagram: Buffer) => void = ignore;
  /** Any packet from the phone (RTP, RFC 4733, RTCP): a sign of life for the RTP timeout. */
  onActivity: () => void = ignore;

  readonly #callId: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #phoneRtp: Socket;
  readonly #phoneRtcp: Socket;
  readonly #release: () => void;
  /** The address the call's SIP came from (a NATed phone's public address). */
  readonly #signallingAddress: string | undefined;
  /** Video: RTCP passes both ways (the phone's PLI/FIR reach the source, our sender reports the phone). */
  readonly #relayRtcp: boolean;
  readonly #receiver = new Rfc4733Receiver();
  /** The SSRC of the steady stream handed on. */
  readonly #steadySsrc = randomSsrc();
  #config: RtpEdgeConfig | undefined;
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
  // Phone -> call renumbering.
  #inSsrc: number | undefined;
  #lastInSequence = 0;
  #sequenceOffset = 0;
  #timestampOffset = 0;
  #lastOutSequence = 0;
  #lastOutTimestamp = 0;
  #lastInAt = 0;
  // Call -> phone: sequence numbers shift by the RFC 4733 packets we insert.
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

  constructor(options: RtpEdgeOptions) {
    super();
    this.#callId = options.callId;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.port = options.pair.port;
    this.#phoneRtp = options.pair.rtp;
    this.#phoneRtcp = options.pair.rtcp;
    this.#release = options.release ?? ignore;
    this.#signallingAddress = options.signallingAddress;
    this.#silenceLimitMs = options.silenceLimitMs;
    this.#relayRtcp = options.relayRtcp ?? false;
    for (const socket of [this.#phoneRtp, this.#phoneRtcp]) {
      // A failing send (unreachable phone) must not crash the process, nor flood the log 50 times a second.
      socket.on('error', (error) => this.#logSocketError(error));
    }
    this.#phoneRtp.on('message', (datagram, from) => this.#guarded(() => this.#fromPhone(datagram, from)));
    this.#phoneRtcp.on('message', (datagram, from) => this.#guarded(() => this.#rtcpFromPhone(datagram, from)));
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
    if (this.#config && this.#config.payloadType !== config.payloadType) this.#rebaseToPhone = true;
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

  /**
   * One media packet of the call to the phone (the camera's audio, or video from mediasoup),
   * if it may go: renumbered around inserted RFC 4733 packets, without RFC 8285 extensions.
   */
  sendMedia(received: Buffer): void {
    if (this.#audioPaused || this.#closed) return;
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
    const { payloadType, sentPayloadType } = this.#config;
    if (sentPayloadType !== undefined && sentPayloadType !== payloadType && (datagram[1]! & 0x7f) === sentPayloadType) {
      datagram[1] = (datagram[1]! & 0x80) | payloadType;
    }
    if (this.#send(this.#phoneRtp, datagram, target)) this.stats.toPhone++;
  }

  /** Sender reports and feedback (relayed RTCP only), where RTP may go (same rules), on the phone's RTCP port. */
  sendRtcp(datagram: Buffer): void {
    const target = this.#relayRtcp && !this.#closed ? this.#sendTarget() : undefined;
    if (!target || !this.#config?.sendToPhone) return;
    if (this.#config.rtcpMux) this.#send(this.#phoneRtp, datagram, target);
    else this.#send(this.#phoneRtcp, datagram, { address: target.address, port: target.port + 1 });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    for (const socket of [this.#phoneRtp, this.#phoneRtcp]) socket.close();
    this.#release();
    this.onMedia = this.onRtcp = this.onActivity = ignore;
    this.#logger.info({ callId: this.#callId, stats: this.stats }, 'rtp edge closed');
    this.removeAllListeners();
  }

  #fromPhone(datagram: Buffer, from: RemoteInfo): void {
    const config = this.#config;
    if (!config) return;
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
    this.onActivity();
    if (packet.payloadType === config.telephoneEventPayloadType) {
      this.stats.telephoneEvents++;
      if (packet.ssrc === this.#inSsrc && sequenceDelta(this.#lastInSequence, packet.sequenceNumber) === 1) {
        // Close the hole this packet leaves in the audio numbering, so the jitter buffer
        // behind the edge does not wait for (and conceal) packets that never come.
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
    if (packet.payloadType !== config.payloadType) {
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
    rewriteRtpHeader(datagram, sequenceNumber, timestamp, this.#steadySsrc);
    this.stats.delivered++;
    this.onMedia(datagram);
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
    this.onActivity();
    if (this.#relayRtcp) this.onRtcp(datagram);
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
      this.#latch(from, false);
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
        this.#latch(from, latched !== undefined);
        return true;
      }
    } else if (!candidate || signalled || candidate.count < 2) {
      // A source on a signalled IP takes over; an unsignalled one (NAT guess) cannot displace
      // a candidate that is already in sequence, so two interleaved streams still end in a choice.
      this.#candidate = { endpoint: { address: from.address, port: from.port }, ssrc, sequenceNumber, count: 1 };
    }
    return false;
  }

  #latch(from: RemoteInfo, moved: boolean): void {
    this.#latched = { address: from.address, port: from.port };
    this.#candidate = undefined;
    this.#logger.info({ callId: this.#callId, phone: `${from.address}:${from.port}` }, moved ? 'rtp source of phone changed' : 'rtp from phone latched');
    this.safeEmit('source', from.address, from.port, moved);
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
      this.safeEmit('ssrc', ssrc);
      this.#inSsrc = ssrc;
      const elapsed = Math.max(1, Math.round(((now - this.#lastInAt) * clockRate) / 1000));
      this.#sequenceOffset = this.#lastOutSequence + 1 - sequenceNumber;
      this.#timestampOffset = this.#lastOutTimestamp + elapsed - timestamp;
    }
    this.#lastInSequence = sequenceNumber;
    this.#lastInAt = now;
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
