/**
 * The most concurrent SIP phone calls one core carries with audio both ways and in-band
 * DTMF detection, with under 1% of the packets late at the phones.
 *
 *   npx tsx packages/gateway/bench/media-capacity.ts [secondsPerStep] [budgetSeconds]
 *
 * The gateway side (this process and its one mediasoup worker) is pinned to CPU 0, the
 * phones (a child process) to CPU 1, so "one core" is literal and the phones do not take
 * the gateway's CPU. Every call is a SipLeg (RTP edge -> PlainTransport -> camera
 * DirectTransport and back) feeding the camera's real CallAudio in Listen mode: jitter
 * buffer, G.711 decode, in-band DTMF detector, level meter, room microphone, encode, on the
 * shared 20 ms clock. The phones send 20 ms PCMU frames of a voice-like signal on schedule
 * and timestamp what comes back. Per step:
 *   late%   packets at the phones more than one frame (20 ms) behind their RTP schedule
 *           (arrival vs first arrival + timestamp distance, minus the best case), and lost%;
 *   camera  ticks of the shared clock that ran over a frame late (and the worst lateness),
 *           and the clock's work per call per tick;
 *   cpu%    of the Node process and of the worker (one core = 100%);
 *   setup   offer-to-answer time per call, and answer-to-first-packet at the phone.
 * (Memory per call is measured through the whole gateway: gateway-calls.ts.)
 * Search: a warm-up step, then doubling until a step is over 1% late, then bisection, all
 * within the time budget. A step over 1% runs once more before it counts as a failure: one
 * stall of a shared machine is not the gateway's capacity.
 */
import './support/worker-env.ts';

import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CallAudio } from '../src/audio/call-audio.ts';
import { g711Encode } from '../src/audio/codecs/g711.ts';
import { FRAME_MS, FRAME_SAMPLES } from '../src/audio/contracts.ts';
import { SimulatedMicrophone } from '../src/audio/device/microphone.ts';
import { SimulatedSpeaker } from '../src/audio/device/speaker.ts';
import { PhraseCache } from '../src/audio/speech/phrase-cache.ts';
import { synthesizeTone } from '../src/audio/synth.ts';
import { systemClock } from '../src/core/clock.ts';
import { createLogger } from '../src/core/logger.ts';
import { MediaService } from '../src/media/media-service.ts';
import type { MediaSession } from '../src/media/media-session.ts';
import { processCpuMs } from './support/proc.ts';
import { fixed, percentile, printTable } from './support/report.ts';

type ToPhones = { type: 'open'; count: number } | { type: 'run'; targets: number[]; durationMs: number } | { type: 'close' } | { type: 'quit' };
type FromPhones =
  | { type: 'opened'; ports: number[] }
  | { type: 'closed' }
  | { type: 'result'; sent: number; received: number; judged: number; late: number; firstPacketMs: number[] };

const LATE_MS = FRAME_MS;
const MAX_LATE_PERCENT = 1;
/** Packets of a step's first half second are not judged: calls are still starting. */
const SETTLE_MS = 500;
const WARM_UP_CALLS = 25;
const FIRST_CALLS = 50;
const MAX_CALLS = 1200;
/** Bisection stops when the bracket is this tight (calls, or this share of the result). */
const RESOLUTION_CALLS = 10;
const RESOLUTION_SHARE = 0.1;

if (process.argv[2] === 'phones') runPhones();
else await runGateway();

// ---------------------------------------------------------------- phone simulator (child)

function runPhones(): void {
  let sockets: Socket[] = [];
  // A second of "aah" (three harmonics), PCMU: the detector and codec work on a voice, not on silence.
  const voice = synthesizeTone([{ frequencyHz: 220, amplitude: 6000 }, { frequencyHz: 660, amplitude: 3000 }, { frequencyHz: 1320, amplitude: 1500 }], 8000);
  const payloads = Array.from({ length: 50 }, (_, i) => g711Encode('mulaw', voice.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES)));
  process.on('message', async (message: ToPhones) => {
    if (message.type === 'open') {
      sockets = await Promise.all(
        Array.from({ length: message.count }, () => new Promise<Socket>((resolve) => {
          const socket = createSocket('udp4');
          socket.bind(0, '127.0.0.1', () => resolve(socket));
        })),
      );
      reply({ type: 'opened', ports: sockets.map((s) => s.address().port) });
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

async function measure(sockets: Socket[], targets: number[], durationMs: number, payloads: Buffer[]): Promise<FromPhones> {
  const started = performance.now();
  const perCall = sockets.map(() => ({ first: undefined as undefined | { at: number; ts: number }, minOffset: Infinity, offsets: [] as number[], firstAt: NaN }));
  let received = 0;
  sockets.forEach((socket, i) => {
    socket.removeAllListeners('message');
    socket.on('message', (datagram) => {
      if (datagram.length < 12 || (datagram[1]! >= 192 && datagram[1]! <= 223)) return;
      const now = performance.now();
      const ts = datagram.readUInt32BE(4);
      const call = perCall[i]!;
      received++;
      if (!call.first) {
        call.first = { at: now, ts };
        call.firstAt = now - started;
      }
      if (now - started < SETTLE_MS) return;
      // How far behind its RTP schedule this packet is (relative to the first one).
      const offset = now - (call.first.at + ((ts - call.first.ts) >>> 0) / 8);
      call.offsets.push(offset);
      if (offset < call.minOffset) call.minOffset = offset;
    });
  });
  let sent = 0;
  let frame = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      while (frame * FRAME_MS <= elapsed) {
        for (let i = 0; i < sockets.length; i++) {
          const header = Buffer.alloc(12);
          header[0] = 0x80;
          header[1] = 0;
          header.writeUInt16BE(frame & 0xffff, 2);
          header.writeUInt32BE((frame * FRAME_SAMPLES) >>> 0, 4);
          header.writeUInt32BE(1000 + i, 8);
          sockets[i]!.send(Buffer.concat([header, payloads[frame % payloads.length]!]), targets[i]!, '127.0.0.1');
          sent++;
        }
        frame++;
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await new Promise((r) => setTimeout(r, 200));
  let late = 0;
  let judged = 0;
  for (const call of perCall) {
    judged += call.offsets.length;
    for (const offset of call.offsets) if (offset - call.minOffset > LATE_MS) late++;
  }
  return { type: 'result', sent, received, judged, late, firstPacketMs: perCall.map((c) => c.firstAt) };
}

// ---------------------------------------------------------------- gateway side (parent)

interface StepResult {
  readonly calls: number;
  readonly latePercent: number;
  readonly lostPercent: number;
  readonly lateTicks: number;
  readonly maxTickLatenessMs: number;
  readonly tickUsPerCall: number;
  readonly nodeCpu: number;
  readonly workerCpu: number;
  readonly answerMs: number[];
  readonly firstPacketMs: number[];
}

/** Pins a process and all its threads to one CPU; false where that is not possible. */
function pin(pid: number, cpu: number): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runGateway(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const budgetMs = Number(process.argv[3] ?? 100) * 1000;
  const began = performance.now();
  // Before the worker starts: it inherits the CPU.
  const pinned = pin(process.pid, 0);
  const media = new MediaService({
    logger: createLogger('warn'),
    webrtc: { listenIp: '127.0.0.1' },
    rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 34000, portMax: 36999, timeoutMs: 60_000 },
  });
  await media.start();
  const workerPid = media.status().workerPids[0]!;
  const phones = fork(fileURLToPath(import.meta.url), ['phones'], { stdio: 'inherit' });
  const phonesPinned = pin(phones.pid!, 1);
  const dataDir = mkdtempSync(join(tmpdir(), 'camgate-capacity-'));
  const microphone = new SimulatedMicrophone({ clock: systemClock });
  const speaker = new SimulatedSpeaker(dataDir);
  const phrases = new PhraseCache({ synthesize: () => Promise.resolve(new Int16Array(FRAME_SAMPLES)) });
  let callNumber = 0;

  console.log(`media capacity: mediasoup ${media.status().mediasoupVersion}, 1 worker, ${seconds} s per step, PCMU both ways, CallAudio in Listen with in-band DTMF detection`);
  console.log(
    `${pinned && phonesPinned ? 'gateway (Node + worker) on CPU 0, phones on CPU 1' : 'not pinned to CPUs: the phones share the cores'}; ` +
      `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (other load skews late%)`,
  );
  console.log('calls  late%   lost%  lateTicks/maxMs  tick µs/call  nodeCpu%  workerCpu%  answer ms (p50/p99)  firstPacket ms (p50)');

  async function step(count: number): Promise<StepResult> {
    const opened = (await ask(phones, { type: 'open', count })) as Extract<FromPhones, { type: 'opened' }>;
    const answerMs: number[] = [];
    const sessions: MediaSession[] = [];
    const audios: CallAudio[] = [];
    for (const port of opened.ports) {
      const callId = `bench-${++callNumber}`;
      const audio = new CallAudio({ callId, microphone, speaker, phrases, intercom: { thresholdPercent: 5, cycleTimeMs: 1000 }, mode: 'listen' });
      const offer = `v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n`;
      const t0 = performance.now();
      sessions.push(await media.answer({ callId, kind: 'sip', offerSdp: offer, audio }));
      answerMs.push(performance.now() - t0);
      audios.push(audio);
    }
    const targets = sessions.map((s) => Number(/^m=audio (\d+)/m.exec(s.answerSdp)![1]));
    const ticksBefore = media.tickerStats;
    const cpuBefore = process.cpuUsage();
    const workerCpuBefore = processCpuMs(workerPid);
    const wallBefore = performance.now();
    const result = (await ask(phones, { type: 'run', targets, durationMs: seconds * 1000 })) as Extract<FromPhones, { type: 'result' }>;
    const wall = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const ticks = media.tickerStats;
    for (const session of sessions) session.close();
    await Promise.all(audios.map((audio) => audio.close()));
    await ask(phones, { type: 'close' });
    const outcome: StepResult = {
      calls: count,
      latePercent: (result.late / Math.max(1, result.judged)) * 100,
      lostPercent: Math.max(0, ((result.sent - result.received) / result.sent) * 100),
      lateTicks: ticks.lateTicks - ticksBefore.lateTicks,
      maxTickLatenessMs: ticks.maxLatenessMs,
      tickUsPerCall: ((ticks.busyMs - ticksBefore.busyMs) / Math.max(1, ticks.ticks - ticksBefore.ticks) / count) * 1000,
      nodeCpu: ((cpu.user + cpu.system) / 1000 / wall) * 100,
      workerCpu: ((processCpuMs(workerPid) - workerCpuBefore) / wall) * 100,
      answerMs,
      firstPacketMs: result.firstPacketMs.filter(Number.isFinite),
    };
    printStep(outcome);
    return outcome;
  }

  /** A step at `count` calls that passes, once more if it failed; undefined if both failed. */
  async function carries(count: number): Promise<StepResult | undefined> {
    const first = await step(count);
    if (first.latePercent <= MAX_LATE_PERCENT) return first;
    const again = await step(count);
    return again.latePercent <= MAX_LATE_PERCENT ? again : undefined;
  }

  // A step takes its run time plus set-up and tear-down (~5 ms a call on a loaded core).
  const fits = (count: number) => performance.now() - began + seconds * 1000 + count * 5 + 1500 < budgetMs;

  let best: StepResult | undefined;
  let failedAt = MAX_CALLS + 1;
  await step(WARM_UP_CALLS); // JIT, first router and transports
  for (let count = FIRST_CALLS; count <= MAX_CALLS && fits(count); count *= 2) {
    const result = await carries(count);
    if (!result) {
      failedAt = count;
      break;
    }
    best = result;
  }
  const low = () => best?.calls ?? 0;
  while (failedAt <= MAX_CALLS && failedAt - low() > Math.max(RESOLUTION_CALLS, low() * RESOLUTION_SHARE)) {
    const count = Math.round((low() + failedAt) / 2 / 5) * 5;
    if (!fits(count)) break;
    const result = await carries(count);
    if (result) best = result;
    else failedAt = count;
  }

  phones.send({ type: 'quit' } satisfies ToPhones);
  await media.close();
  rmSync(dataDir, { recursive: true, force: true });

  const bracket = failedAt > MAX_CALLS ? `no step up to ${low()} failed` : `${failedAt} calls failed`;
  printTable(`media capacity summary: ${pinned && phonesPinned ? 'one core (Node + mediasoup worker on CPU 0)' : 'unpinned'}, PCMU, CallAudio + in-band DTMF, under ${MAX_LATE_PERCENT}% late`, ['', 'value'], best
    ? [
        ['calls carried', `${best.calls} (${bracket})`],
        ['late / lost packets', `${fixed(best.latePercent, 2)}% / ${fixed(best.lostPercent, 2)}%`],
        ['CPU: Node / worker', `${fixed(best.nodeCpu, 0)}% / ${fixed(best.workerCpu, 0)}%`],
        ['20 ms clock work per call', `${fixed(best.tickUsPerCall)} µs`],
        ['answer (offer -> SDP answer) p50 / p99', `${fixed(percentile(best.answerMs, 0.5))} / ${fixed(percentile(best.answerMs, 0.99))} ms`],
        ['time taken', `${fixed((performance.now() - began) / 1000, 0)} s`],
      ]
    : [['calls carried', `fewer than ${FIRST_CALLS} (${bracket})`]]);
}

function printStep(r: StepResult): void {
  console.log(
    [
      String(r.calls).padStart(5),
      fixed(r.latePercent, 2).padStart(6),
      fixed(r.lostPercent, 2).padStart(7),
      `${r.lateTicks}/${fixed(r.maxTickLatenessMs, 0)}`.padStart(16),
      fixed(r.tickUsPerCall).padStart(13),
      fixed(r.nodeCpu, 0).padStart(9),
      fixed(r.workerCpu, 0).padStart(11),
      `${fixed(percentile(r.answerMs, 0.5))}/${fixed(percentile(r.answerMs, 0.99))}`.padStart(20),
      fixed(percentile(r.firstPacketMs, 0.5), 0).padStart(21),
    ].join(' '),
  );
}

function ask(phones: ChildProcess, message: ToPhones): Promise<FromPhones> {
  return new Promise((resolve) => {
    phones.once('message', (m: FromPhones) => resolve(m));
    phones.send(message);
  });
}
