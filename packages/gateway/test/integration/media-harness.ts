/**
 * Shared pieces of the media integration tests: a camera side that speaks a tone, a
 * minimal SIP UAS, and a scriptable RTP phone. (vitest.config.ts supplies the
 * MEDIASOUP_WORKER_BIN that `npm run setup` resolved.)
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

import type { CallAudioPort } from '../../src/audio/contracts.ts';
import { FRAME_SAMPLES } from '../../src/audio/contracts.ts';
import type { DtmfKey } from '../../src/audio/dtmf/keys.ts';
import { keyPressPackets, type TelephoneEventPacket } from '../../src/audio/dtmf/rfc4733.ts';
import { concatSamples, synthesizeTone } from '../../src/audio/synth.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { CallRtp } from '../../src/media/call-rtp.ts';
import { FrameTicker } from '../../src/media/frame-ticker.ts';
import type { CallRtpListener, PhoneRtpConfig, PhoneRtpRequest, RtpAudioConnection, RtpAudioEngine } from '../../src/media/rtp-audio-engine.ts';
import type { RtpPacket } from '../../src/media/rtp-packet.ts';
import { toneShare } from '../support/tone.ts';

/** A sine, 20 ms at a time, continuous across frames. */
export class ToneGenerator {
  #sample = 0;
  constructor(
    readonly hz: number,
    readonly amplitude = 8000,
  ) {}

  frame(samples = FRAME_SAMPLES): Int16Array {
    const out = synthesizeTone([{ frequencyHz: this.hz, amplitude: this.amplitude }], samples, { phaseSamples: this.#sample });
    this.#sample += samples;
    return out;
  }
}

const engineLogger = createLogger('silent');
/** The 20 ms clock of the test engines (this thread stands in for an audio thread). */
const ticker = new FrameTicker({ logger: engineLogger });
let engines = 0;

/**
 * The camera's side of one call in tests: speaks a tone, records what the caller says. It
 * does its RTP as an audio thread's engine does (the same CallRtp: strict RTP with the
 * phone, or loopback with mediasoup), in the test's own thread so the test can read it.
 */
export class ToneCameraAudio implements CallAudioPort, RtpAudioEngine {
  readonly received: Int16Array[] = [];
  readonly #tone: ToneGenerator;
  readonly #rtp: CallRtp;

  constructor(hz: number) {
    this.#tone = new ToneGenerator(hz);
    this.#rtp = new CallRtp({ callId: `tone-${++engines}`, logger: engineLogger, clock: systemClock, ticker, audio: this });
  }

  connectRtp(connection: RtpAudioConnection, listener: CallRtpListener): Promise<number> {
    return this.#rtp.connectMediasoup(connection, listener);
  }

  openPhone(request: PhoneRtpRequest, listener: CallRtpListener): Promise<void> {
    return this.#rtp.openPhone(request, listener);
  }

  configurePhone(config: PhoneRtpConfig): void {
    this.#rtp.configurePhone(config);
  }

  confirmPhone(): void {
    this.#rtp.confirmPhone();
  }

  sendPhoneDtmf(key: DtmfKey): void {
    this.#rtp.sendPhoneDtmf(key);
  }

  disconnectRtp(): void {
    this.#rtp.disconnect();
  }

  pushCallerFrame(frame: Int16Array): void {
    this.received.push(frame);
  }

  pullFrame(): Int16Array {
    return this.#tone.frame();
  }

  /** The last `frames` received frames joined. */
  recent(frames: number): Int16Array {
    return concatSamples(this.received.slice(-frames));
  }

  /** Resolves when the last `frames` frames carry mostly `hz`. */
  async waitForTone(hz: number, options: { frames?: number; share?: number; timeoutMs?: number } = {}): Promise<number> {
    const frames = options.frames ?? 25;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let share = 0;
    while (Date.now() < deadline) {
      if (this.received.length >= frames) {
        share = toneShare(this.recent(frames), hz);
        if (share >= (options.share ?? 0.8)) return share;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${hz} Hz at the camera (share ${share.toFixed(2)}, ${this.received.length} frames)`);
  }
}

export interface UasCall {
  readonly callId: string;
  readonly offerSdp: string;
}

/**
 * Just enough of a SIP UAS over UDP (RFC 3261 §8.2.6, §12.1.1) to let real SIP peers
 * (sipp, baresip) call the media layer under test: INVITE -> 200 with the answer from
 * `onInvite` (488 when it throws), re-INVITE likewise, ACK ignored, BYE -> 200.
 */
export class MiniUas {
  readonly #socket: Socket;
  readonly #responses = new Map<string, string>();
  readonly byes: string[] = [];

  private constructor(
    socket: Socket,
    readonly onInvite: (call: UasCall, reinvite: boolean) => Promise<string>,
    readonly onBye: (callId: string) => void,
  ) {
    this.#socket = socket;
    socket.on('message', (data, from) => void this.#onMessage(data.toString('utf8'), from));
  }

  static async start(onInvite: (call: UasCall, reinvite: boolean) => Promise<string>, onBye: (callId: string) => void = () => undefined): Promise<MiniUas> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new MiniUas(socket, onInvite, onBye);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  close(): void {
    this.#socket.close();
  }

  async #onMessage(text: string, from: RemoteInfo): Promise<void> {
    const [head = '', body = ''] = text.split(/\r\n\r\n/, 2);
    const lines = head.split('\r\n');
    const method = lines[0]!.split(' ')[0]!;
    if (method.startsWith('SIP/')) return;
    const headers = lines.slice(1);
    const get = (name: string, short?: string) =>
      headers.filter((h) => new RegExp(`^(${name}${short ? `|${short}` : ''})\\s*:`, 'i').test(h)).map((h) => h.slice(h.indexOf(':') + 1).trim());
    const callId = get('Call-ID', 'i')[0] ?? '';
    const cseq = get('CSeq')[0] ?? '';
    const key = `${callId} ${cseq}`;
    const send = (response: string) => this.#socket.send(response, from.port, from.address);
    if (method === 'ACK') return;
    const previous = this.#responses.get(key);
    if (previous) return send(previous); // a retransmission
    let to = get('To', 't')[0] ?? '';
    const reinvite = /;tag=/.test(to);
    if (!reinvite) to += ';tag=camgate-test';
    const reply = (status: string, sdp?: string) => {
      const response = [
        `SIP/2.0 ${status}`,
        ...get('Via', 'v').map((v) => `Via: ${v}`),
        `From: ${get('From', 'f')[0]}`,
        `To: ${to}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq}`,
        `Contact: <sip:camera@127.0.0.1:${this.port}>`,
        ...(sdp ? ['Content-Type: application/sdp'] : []),
        `Content-Length: ${Buffer.byteLength(sdp ?? '')}`,
        '',
        sdp ?? '',
      ].join('\r\n');
      this.#responses.set(key, response);
      send(response);
    };
    if (method === 'INVITE') {
      try {
        reply('200 OK', await this.onInvite({ callId, offerSdp: body }, reinvite));
      } catch {
        reply('488 Not Acceptable Here');
      }
    } else if (method === 'BYE') {
      this.byes.push(callId);
      this.onBye(callId);
      reply('200 OK');
    } else {
      reply('200 OK');
    }
  }
}

/** A packet as the test phone received it. */
export interface ReceivedRtp extends RtpPacket {
  /** The local port it arrived at. */
  readonly from: number;
  /** performance.now() at arrival. */
  readonly at: number;
}

/** A key press in progress: its RFC 4733 packets, sent on schedule in place of audio. */
interface KeyPress {
  readonly packets: readonly TelephoneEventPacket[];
  readonly startedAt: number;
  readonly timestamp: number;
  readonly done: () => void;
  next: number;
}

/**
 * A scriptable RTP phone on a UDP socket for what real phones do only by accident: switch
 * SSRC, move to another port (NAT rebinding), fall silent. Sends a G.711 tone every 20 ms,
 * keys as RFC 4733 events, and records what it receives.
 */
export class RtpTestPhone {
  readonly received: ReceivedRtp[] = [];
  socket: Socket;
  ssrc = 0x1234_5678;
  sequenceNumber = 1000;
  timestamp = 160_000;
  payloadType = 0;
  telephoneEventPayloadType = 101;
  #encode: (frame: Int16Array) => Buffer;
  #tone: ToneGenerator;
  #timer: NodeJS.Timeout | undefined;
  #target: { address: string; port: number } | undefined;
  #key: KeyPress | undefined;

  private constructor(socket: Socket, encode: (frame: Int16Array) => Buffer, hz: number) {
    this.socket = socket;
    this.#encode = encode;
    this.#tone = new ToneGenerator(hz);
    this.#listen(socket);
  }

  static async open(encode: (frame: Int16Array) => Buffer, hz = 440): Promise<RtpTestPhone> {
    return new RtpTestPhone(await bindLoopback(), encode, hz);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** SDP offer of this phone (PCMU, PCMA, telephone-event/101 unless `formats` says otherwise). */
  offer(options: { direction?: string; formats?: string; rtpmaps?: string[]; address?: string } = {}): string {
    const rtpmaps = options.rtpmaps ?? ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'];
    return [
      'v=0',
      'o=phone 1 1 IN IP4 127.0.0.1',
      's=-',
      `c=IN IP4 ${options.address ?? '127.0.0.1'}`,
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${options.formats ?? '0 8 101'}`,
      ...rtpmaps,
      'a=ptime:20',
      `a=${options.direction ?? 'sendrecv'}`,
      '',
    ].join('\r\n');
  }

  /** Starts sending to the port of `answerSdp`. */
  start(answerSdp: string): void {
    const port = Number(/^m=audio (\d+)/m.exec(answerSdp)![1]);
    const address = /^c=IN IP4 (\S+)/m.exec(answerSdp)![1]!;
    this.#target = { address, port };
    this.stop();
    // Paced by the elapsed time, not by setInterval (which runs slow): a phone's clock is steady.
    const started = performance.now();
    let sent = 0;
    this.#timer = setInterval(() => {
      while (sent * 20 <= performance.now() - started) {
        this.sendFrame();
        sent++;
      }
    }, 5);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The next 20 ms: a frame of the tone, or the due packets of a key press in its place. */
  sendFrame(): void {
    if (!this.#target) return;
    if (this.#key) this.#sendDueKeyPackets(this.#key);
    else this.#send(this.payloadType, false, this.timestamp, this.#encode(this.#tone.frame()));
    this.timestamp += 160;
  }

  /**
   * Presses a key (RFC 4733 §2.5: start packet with the marker, updates, the end packet
   * three times; the tone pauses meanwhile). Needs `start()`. Resolves with the time the
   * first packet left, once the last one has.
   */
  pressKey(key: DtmfKey, durationMs = 60): Promise<number> {
    if (this.#key) throw new Error('a key is still pressed');
    return new Promise((resolve) => {
      const startedAt = performance.now();
      this.#key = { packets: keyPressPackets(key, { durationMs }), startedAt, timestamp: this.timestamp, next: 0, done: () => resolve(startedAt) };
      this.#sendDueKeyPackets(this.#key);
    });
  }

  /** Sends a raw datagram (RTCP, ...) to the answer's RTP port plus `portOffset`. */
  sendRaw(datagram: Buffer, portOffset = 0): void {
    this.socket.send(datagram, this.#target!.port + portOffset, this.#target!.address);
  }

  setTone(hz: number, encode?: (frame: Int16Array) => Buffer): void {
    this.#tone = new ToneGenerator(hz);
    if (encode) this.#encode = encode;
  }

  /** Moves to a new local port, as after a NAT rebinding; the old socket is closed. */
  async rebind(): Promise<void> {
    const old = this.socket;
    this.socket = await bindLoopback();
    this.#listen(this.socket);
    old.close();
  }

  close(): void {
    this.stop();
    this.socket.close();
  }

  #sendDueKeyPackets(key: KeyPress): void {
    const elapsed = performance.now() - key.startedAt;
    while (key.next < key.packets.length && key.packets[key.next]!.sendAtMs <= elapsed) {
      const packet = key.packets[key.next++]!;
      this.#send(this.telephoneEventPayloadType, packet.marker, key.timestamp, packet.payload);
    }
    if (key.next === key.packets.length) {
      this.#key = undefined;
      key.done();
    }
  }

  #send(payloadType: number, marker: boolean, timestamp: number, payload: Buffer): void {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = (marker ? 0x80 : 0) | payloadType;
    header.writeUInt16BE(this.sequenceNumber & 0xffff, 2);
    header.writeUInt32BE(timestamp >>> 0, 4);
    header.writeUInt32BE(this.ssrc >>> 0, 8);
    this.sequenceNumber++;
    this.socket.send(Buffer.concat([header, payload]), this.#target!.port, this.#target!.address);
  }

  #listen(socket: Socket): void {
    const port = socket.address().port;
    socket.on('message', (datagram) => {
      if (datagram.length < 12 || (datagram[1]! >= 192 && datagram[1]! <= 223)) return;
      this.received.push({
        payloadType: datagram[1]! & 0x7f,
        marker: (datagram[1]! & 0x80) !== 0,
        sequenceNumber: datagram.readUInt16BE(2),
        timestamp: datagram.readUInt32BE(4),
        ssrc: datagram.readUInt32BE(8),
        payload: datagram.subarray(12),
        from: port,
        at: performance.now(),
      });
    });
  }
}

function bindLoopback(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}
