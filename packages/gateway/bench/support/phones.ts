/**
 * Simulated SIP phones for the capacity benchmarks: a child process that sends every call's
 * 20 ms PCMU frames of a voice-like signal on schedule and judges what comes back, so what
 * a bench measures is the gateway, not its load generator.
 *
 *   const phones = Phones.start();
 *   const ports = await phones.open(200);                 // offer phoneOffer(ports[i]) for call i
 *   const result = await phones.run(targets, 5000);       // call i's RTP goes to targets[i]
 *   await phones.close();
 *   phones.quit();
 *
 * The phones are as cheap as they can be, so that on a shared machine they do not cap what
 * the gateway shows: a few sockets (PHONES_PER_SOCKET calls each, large receive buffers), one
 * 5 ms timer driving every call, packets prebuilt per call (only sequence number and
 * timestamp are written per frame), and what comes back sorted into preallocated arrays by
 * the gateway port it came from (so the targets of one run must be distinct ports).
 * Judged at the phones:
 *   late%   packets more than one frame (20 ms) behind their RTP schedule (arrival vs first
 *           arrival + timestamp distance, minus the best case), and lost%; arrivals while the
 *           phone process itself was not running (its 5 ms timer over 15 ms late) are not
 *           judged: they measure the machine's other load, not the gateway;
 *   cpu%    of the phones' process, which should stay far below the gateway's (else the
 *           generator is what is measured).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { g711Encode } from '../../src/audio/codecs/g711.ts';
import { FRAME_MS, FRAME_SAMPLES } from '../../src/audio/contracts.ts';
import { synthesizeTone } from '../../src/audio/synth.ts';

/** Where the phones' RTP sockets listen. */
export const PHONE_HOST = '127.0.0.1';
/** A step passes with at most this share of late packets. */
export const MAX_LATE_PERCENT = 1;

/** Where one call's RTP goes: the gateway's port pair for it. */
export interface PhoneTarget {
  readonly address: string;
  readonly port: number;
}

export interface PhonesResult {
  /** Judged packets more than a frame behind schedule, percent. */
  readonly latePercent: number;
  readonly lostPercent: number;
  /** Per call, run start to the first packet received (ms); calls that received none left out. */
  readonly firstPacketMs: number[];
  /** The phones' process over the run (one core = 100%). */
  readonly cpuPercent: number;
}

/** The SDP offer of a phone that listens on `port`: PCMU and RFC 4733 events, 20 ms frames. */
export function phoneOffer(port: number): string {
  return `v=0\r\no=phone 1 1 IN IP4 ${PHONE_HOST}\r\ns=-\r\nc=IN IP4 ${PHONE_HOST}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n`;
}

type ToPhones = { type: 'open'; count: number } | { type: 'run'; targets: PhoneTarget[]; durationMs: number } | { type: 'close' } | { type: 'quit' };
type FromPhones =
  | { type: 'opened'; ports: number[] }
  | { type: 'closed' }
  | { type: 'result'; sent: number; received: number; judged: number; late: number; firstPacketMs: number[]; cpuPercent: number };

const LATE_MS = FRAME_MS;
/** Calls sharing one phone socket (the gateway's port each packet comes from tells them apart). */
const PHONES_PER_SOCKET = 100;
/** Receive/send buffer of a phone socket (Linux caps it at net.core.rmem_max / wmem_max). */
const PHONE_SOCKET_BUFFER = 4 * 1024 * 1024;
/** Distinct voice frames each phone cycles through (a second). */
const PAYLOADS = 50;
/** The phones' own timer (every 5 ms) this late means the phone process was not running. */
const PHONE_STALL_MS = 15;
/** Packets of a run's first half second are not judged: calls are still starting. */
const SETTLE_MS = 500;

/** The parent's handle on the phones' process. */
export class Phones {
  private constructor(readonly process: ChildProcess) {}

  static start(): Phones {
    return new Phones(fork(fileURLToPath(import.meta.url), [], { stdio: 'inherit' }));
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** Opens the sockets of `count` calls; call i's phone listens on the i-th port returned. */
  async open(count: number): Promise<number[]> {
    return ((await this.#ask({ type: 'open', count })) as Extract<FromPhones, { type: 'opened' }>).ports;
  }

  /** Calls 0..targets.length-1 talk to their targets for `durationMs`, then their packets are judged. */
  async run(targets: readonly PhoneTarget[], durationMs: number): Promise<PhonesResult> {
    if (new Set(targets.map((t) => t.port)).size !== targets.length) throw new Error('the phones tell calls apart by the gateway port: targets must use distinct ports');
    const r = (await this.#ask({ type: 'run', targets: [...targets], durationMs })) as Extract<FromPhones, { type: 'result' }>;
    return {
      latePercent: (r.late / Math.max(1, r.judged)) * 100,
      lostPercent: Math.max(0, ((r.sent - r.received) / Math.max(1, r.sent)) * 100),
      firstPacketMs: r.firstPacketMs.filter(Number.isFinite),
      cpuPercent: r.cpuPercent,
    };
  }

  async close(): Promise<void> {
    await this.#ask({ type: 'close' });
  }

  quit(): void {
    this.process.send({ type: 'quit' } satisfies ToPhones);
  }

  #ask(message: ToPhones): Promise<FromPhones> {
    return new Promise((resolve) => {
      this.process.once('message', (m: FromPhones) => resolve(m));
      this.process.send(message);
    });
  }
}

// ---------------------------------------------------------------- the phones' process

function runPhones(): void {
  let sockets: Socket[] = [];
  // A second of "aah" (three harmonics), PCMU: the detector and codec work on a voice, not on silence.
  const voice = synthesizeTone([{ frequencyHz: 220, amplitude: 6000 }, { frequencyHz: 660, amplitude: 3000 }, { frequencyHz: 1320, amplitude: 1500 }], 8000);
  const payloads = Array.from({ length: PAYLOADS }, (_, i) => g711Encode('mulaw', voice.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES)));
  // A parent that died (a bench that threw) must not leave the phones running.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message: ToPhones) => {
    if (message.type === 'open') {
      sockets = await Promise.all(
        Array.from({ length: Math.ceil(message.count / PHONES_PER_SOCKET) }, () => new Promise<Socket>((resolve) => {
          const socket = createSocket({ type: 'udp4', recvBufferSize: PHONE_SOCKET_BUFFER, sendBufferSize: PHONE_SOCKET_BUFFER });
          socket.bind(0, PHONE_HOST, () => resolve(socket));
        })),
      );
      reply({ type: 'opened', ports: Array.from({ length: message.count }, (_, i) => sockets[Math.floor(i / PHONES_PER_SOCKET)]!.address().port) });
    } else if (message.type === 'run') {
      reply(await measure(sockets, message.targets, message.durationMs, payloads));
    } else if (message.type === 'close') {
      for (const s of sockets) s.close();
      sockets = [];
      reply({ type: 'closed' });
    } else {
      process.exit(0);
    }
  });
}

function reply(message: FromPhones): void {
  process.send!(message);
}

async function measure(sockets: Socket[], targets: PhoneTarget[], durationMs: number, payloads: Buffer[]): Promise<FromPhones> {
  const calls = targets.length;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // Every call's packets, built once: one per payload, a second of them (sent long before reused).
  const packets = targets.map((_, i) =>
    payloads.map((payload) => {
      const packet = Buffer.alloc(12 + payload.length);
      packet[0] = 0x80;
      packet.writeUInt32BE(1000 + i, 8);
      payload.copy(packet, 12);
      return packet;
    }),
  );
  const callOfPort = new Int32Array(65536).fill(-1);
  targets.forEach((target, i) => (callOfPort[target.port] = i));
  const frames = Math.ceil(durationMs / FRAME_MS) + 100;
  const offsets = targets.map(() => new Float64Array(frames));
  const judgedCount = new Int32Array(calls);
  const minOffset = new Float64Array(calls).fill(Infinity);
  const firstAt = new Float64Array(calls).fill(NaN);
  const firstTs = new Float64Array(calls);
  let received = 0;
  /** When the phones' 5 ms send timer last ran. */
  let lastTimerAt = started;
  const onMessage = (datagram: Buffer, from: { port: number }): void => {
    const i = callOfPort[from.port]!;
    if (i < 0 || datagram.length < 12 || (datagram[1]! >= 192 && datagram[1]! <= 223)) return;
    const now = performance.now();
    const ts = datagram.readUInt32BE(4);
    received++;
    if (Number.isNaN(firstAt[i]!)) {
      firstAt[i] = now;
      firstTs[i] = ts;
    }
    // A phone process that was not scheduled itself (a shared machine) timestamps late what
    // arrived meanwhile: those arrivals say nothing about the gateway, they are not judged.
    if (now - started < SETTLE_MS || now - lastTimerAt > PHONE_STALL_MS || judgedCount[i]! >= frames) return;
    // How far behind its RTP schedule this packet is (relative to the first one).
    const offset = now - (firstAt[i]! + ((ts - firstTs[i]!) >>> 0) / 8);
    offsets[i]![judgedCount[i]!++] = offset;
    if (offset < minOffset[i]!) minOffset[i] = offset;
  };
  for (const socket of sockets) {
    socket.removeAllListeners('message');
    socket.on('message', onMessage);
  }
  let sent = 0;
  let frame = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      lastTimerAt = performance.now();
      const elapsed = lastTimerAt - started;
      while (frame * FRAME_MS <= elapsed) {
        const slot = frame % PAYLOADS;
        for (let i = 0; i < calls; i++) {
          const packet = packets[i]![slot]!;
          packet.writeUInt16BE(frame & 0xffff, 2);
          packet.writeUInt32BE((frame * FRAME_SAMPLES) >>> 0, 4);
          sockets[Math.floor(i / PHONES_PER_SOCKET)]!.send(packet, targets[i]!.port, targets[i]!.address);
        }
        sent += calls;
        frame++;
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100;
  await new Promise((r) => setTimeout(r, 200));
  let late = 0;
  let judged = 0;
  for (let i = 0; i < calls; i++) {
    judged += judgedCount[i]!;
    for (let k = 0; k < judgedCount[i]!; k++) if (offsets[i]![k]! - minOffset[i]! > LATE_MS) late++;
  }
  return { type: 'result', sent, received, judged, late, firstPacketMs: Array.from(firstAt, (at) => at - started), cpuPercent };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runPhones();
