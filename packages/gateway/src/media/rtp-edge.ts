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
 * Consecutive in-sequence packets a new source address must send before the edge moves
 * its symmetric-RTP target there (a NAT rebinding or a phone that changed network); a
 * few stray or spoofed packets cannot hijack the call.
 */
const RELATCH_PACKETS = 3;
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
  sourceChanges: number;
  ssrcChanges: number;
}

interface Endpoint {
  address: string;
  port: number;
}

/**
 * Where a SIP phone's RTP meets the gateway, in Node, before mediasoup: one call's UDP
 * port pair towards the phone and a loopback socket towards the call's mediasoup
 * PlainTransport. It reads RFC 4733 events here (mediasoup consumers drop them), speaks
 * symmetric RTP (RFC 4961: answers to where the phone really sends from, for NAT), and
 * hands mediasoup one steady stream: a phone's SSRC change or restart is renumbered into
 * the producer's SSRC with continuous sequence numbers and timestamps.
 */
export class RtpEdge extends TypedEmitter<RtpEdgeEvents> {
  readonly port: number;
  /** The SSRC of the stream mediasoup's producer receives. */
  readonly producerSsrc = randomSsrc();
  readonly stats: RtpEdgeStats = {
    fromPhone: 0, toPhone: 0, relayedToMediasoup: 0, rtcpFromPhone: 0, telephoneEvents: 0, dropped: 0, sourceChanges: 0, ssrcChanges: 0,
  };

  readonly #callId: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #phoneRtp: Socket;
  readonly #phoneRtcp: Socket;
  readonly #inner: Socket;
  readonly #release: () => void;
  readonly #onActivity: PhoneActivityHook;
  readonly #receiver = new Rfc4733Receiver();
  #config: RtpEdgeConfig | undefined;
  #mediasoup: Endpoint | undefined;
  /** The phone's address as learnt from its packets (symmetric RTP). */
  #latched: Endpoint | undefined;
  #candidate: { endpoint: Endpoint; sequenceNumber: number; count: number } | undefined;
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
    for (const socket of [this.#phoneRtp, this.#phoneRtcp, this.#inner]) {
      // A failing send (unreachable phone) must not crash the process, nor flood the log 50 times a second.
      socket.on('error', (error) => {
        const level = this.#socketErrors++ === 0 ? 'warn' : 'debug';
        this.#logger[level]({ callId: this.#callId, err: error }, 'rtp edge socket error');
      });
    }
    this.#phoneRtp.on('message', (datagram, from) => this.#fromPhone(datagram, from));
    this.#phoneRtcp.on('message', () => this.#rtcpFromPhone());
    this.#inner.on('message', (datagram, from) => this.#fromMediasoup(datagram, from));
  }

  static async open(options: { callId: string; logger: Logger; clock: Clock; portRange: RtpPortRange; listenIp: string; onActivity: PhoneActivityHook }): Promise<RtpEdge> {
    const pair = await options.portRange.bindPair(options.listenIp);
    const inner = await bindUdp('127.0.0.1', 0);
    if (!inner) {
      pair.rtp.close();
      pair.rtcp.close();
      options.portRange.release(pair.port);
      throw new Error('cannot bind a loopback UDP socket');
    }
    return new RtpEdge({ ...options, port: pair.port, rtp: pair.rtp, rtcp: pair.rtcp, inner, release: () => options.portRange.release(pair.port) });
  }

  /** The loopback port mediasoup's PlainTransport sends the caller's audio to. */
  get innerPort(): number {
    return this.#inner.address().port;
  }

  /** Where audio to the phone goes now: the learnt address, else the SDP's. */
  get phoneAddress(): Endpoint | undefined {
    return this.#latched ?? this.#config?.sdpRemote;
  }

  /** The mediasoup PlainTransport's own address (its tuple's local side). */
  connectMediasoup(address: string, port: number): void {
    this.#mediasoup = { address, port };
  }

  /** Applies the negotiated state; called again after each re-offer. */
  configure(config: RtpEdgeConfig): void {
    const previous = this.#config?.sdpRemote;
    const next = config.sdpRemote;
    if (previous && next && (previous.address !== next.address || previous.port !== next.port)) {
      // The phone announced a new address: learn again where it really sends from.
      this.#latched = undefined;
      this.#candidate = undefined;
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
    this.#logger.debug({ callId: this.#callId, stats: this.stats }, 'rtp edge closed');
    this.removeAllListeners();
  }

  #fromPhone(datagram: Buffer, from: RemoteInfo): void {
    const config = this.#config;
    if (!config || !this.#mediasoup) return;
    if (isRtcp(datagram)) {
      this.#rtcpFromPhone(); // rtcp-mux
      return;
    }
    const packet = parseRtpPacket(datagram);
    if (!packet || !this.#acceptSource(from, packet.sequenceNumber)) {
      this.stats.dropped++;
      return;
    }
    this.stats.fromPhone++;
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
    this.#inner.send(datagram, this.#mediasoup.port, this.#mediasoup.address);
    this.stats.relayedToMediasoup++;
  }

  /** RTCP is a sign of life (a muted phone with silence suppression still sends it); never audio. */
  #rtcpFromPhone(): void {
    this.stats.rtcpFromPhone++;
    this.#onActivity();
  }

  /** Symmetric RTP with learning: latch the first source, move only to a steady new one. */
  #acceptSource(from: RemoteInfo, sequenceNumber: number): boolean {
    const latched = this.#latched;
    if (!latched) {
      this.#latched = { address: from.address, port: from.port };
      this.#logger.info({ callId: this.#callId, phone: `${from.address}:${from.port}` }, 'rtp from phone latched');
      return true;
    }
    if (latched.address === from.address && latched.port === from.port) {
      this.#candidate = undefined;
      return true;
    }
    const candidate = this.#candidate;
    if (candidate && candidate.endpoint.address === from.address && candidate.endpoint.port === from.port && sequenceDelta(candidate.sequenceNumber, sequenceNumber) === 1) {
      candidate.sequenceNumber = sequenceNumber;
      if (++candidate.count >= RELATCH_PACKETS) {
        this.#latched = candidate.endpoint;
        this.#candidate = undefined;
        this.stats.sourceChanges++;
        this.#logger.info({ callId: this.#callId, phone: `${from.address}:${from.port}` }, 'rtp source of phone changed');
        return true;
      }
    } else {
      this.#candidate = { endpoint: { address: from.address, port: from.port }, sequenceNumber, count: 1 };
    }
    return false;
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
    if (isRtcp(received) || this.#audioPaused) return;
    const target = this.phoneAddress;
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
    this.#phoneRtp.send(datagram, target.port, target.address);
    this.stats.toPhone++;
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
        const target = this.phoneAddress;
        const sequenceNumber = ((this.#lastToPhoneSequence ?? randomSsrc()) + 1) & 0xffff;
        this.#lastToPhoneSequence = sequenceNumber;
        if (target && config.sendToPhone) {
          const packet = buildRtpPacket({ marker: event.marker, payloadType, sequenceNumber, timestamp, ssrc: this.#toPhoneSsrc }, event.payload);
          this.#phoneRtp.send(packet, target.port, target.address);
        }
        if (index === packets.length - 1) {
          this.#audioPaused = false;
          this.#rebaseToPhone = true;
          this.#after(INTER_KEY_GAP_MS, () => this.#sendNextKey());
        }
      });
    });
  }

  #after(ms: number, fn: () => void): void {
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) fn();
    }, ms);
    this.#timers.add(timer);
  }
}
