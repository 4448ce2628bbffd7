/**
 * The most concurrent SIP phone calls the gateway carries with audio both ways and in-band
 * DTMF detection, with under 1% of the packets late at the phones: on one core and on all
 * cores, side by side, with the memory per call.
 *
 *   npx tsx packages/gateway/bench/media-capacity.ts [secondsPerStep] [budgetSecondsPerRun]
 *
 * Each run is a child process configured like the gateway: mediasoup workers and audio
 * threads (AudioThreadPool, the calls' engines with their own RTP sockets).
 *   one core  1 worker + 1 audio thread; the gateway (Node, its threads and the worker) is
 *             pinned to CPU 0, the phones (a child process) to CPU 1, so "one core" is literal.
 *   all cores a worker and an audio thread per core, one camera (Router) per worker so the
 *             calls spread over the workers as a many-camera gateway's do; nothing pinned (the
 *             phones share the cores: the comparison is conservative, which is why the phones
 *             are made cheap: few sockets, one timer, prebuilt packets; see runPhones).
 * Every call is a SipLeg answered by the MediaService: its audio thread binds the phone's
 * port pair and serves it itself (strict RTP, RFC 4733 read first, RTCP, RTP timeout
 * activity) feeding the camera's real CallAudio in Listen mode: jitter buffer, G.711 decode,
 * in-band DTMF detector, level meter, room microphone, encode, on the thread's 20 ms clock.
 * The main thread only negotiates; no packet of these calls passes it or mediasoup. The
 * phones send 20 ms PCMU frames of a voice-like signal on schedule and timestamp what comes
 * back. Per step:
 *   late%   packets at the phones more than one frame (20 ms) behind their RTP schedule
 *           (arrival vs first arrival + timestamp distance, minus the best case), and lost%;
 *           arrivals while the phone process itself was not running (its 5 ms timer over
 *           15 ms late) are not judged: they measure the machine's other load, not the gateway;
 *   cpu%    of the gateway process (all its threads; one core = 100%), its main thread's event
 *           loop (busy share), and the mediasoup workers; and of the phones' process, which
 *           should stay far below the gateway's (else the generator is what is measured);
 *   memory  RSS of the gateway process (all threads) and of the workers with the calls up, per
 *           call; the summary's comes from a step of MEMORY_CALLS calls right after the
 *           warm-up (RSS keeps its high-water mark: measured after bigger steps it would
 *           show nothing);
 *   setup   offer-to-answer time per call, and answer-to-first-packet at the phone.
 * On a machine that other work shares, late% fails early; the summary also gives calls per
 * fully used core from the CPU the carried calls took (an estimate, labelled as such).
 * Search: a warm-up step, then doubling until a step is over 1% late, then bisection, all
 * within the time budget. A step over 1% runs once more before it counts as a failure: one
 * stall of a shared machine is not the gateway's capacity.
 */
import './support/worker-env.ts';

import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { g711Encode } from '../src/audio/codecs/g711.ts';
import { FRAME_MS, FRAME_SAMPLES } from '../src/audio/contracts.ts';
import { PhraseCache } from '../src/audio/speech/phrase-cache.ts';
import { synthesizeTone } from '../src/audio/synth.ts';
import { createLogger } from '../src/core/logger.ts';
import { AudioThreadPool } from '../src/media/audio-threads/audio-thread-pool.ts';
import type { ThreadedCallAudio } from '../src/media/audio-threads/threaded-call-audio.ts';
import { MediaService } from '../src/media/media-service.ts';
import type { MediaSession } from '../src/media/media-session.ts';
import { processCpuMs, processRss } from './support/proc.ts';
import { fixed, percentile, printTable } from './support/report.ts';

type ToPhones = { type: 'open'; count: number } | { type: 'run'; targets: number[]; durationMs: number } | { type: 'close' } | { type: 'quit' };
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
const MAX_LATE_PERCENT = 1;
/** Packets of a step's first half second are not judged: calls are still starting. */
const SETTLE_MS = 500;
const WARM_UP_CALLS = 25;
/** Calls up for the memory measurement: enough that the per-call share is above the noise. */
const MEMORY_CALLS = 200;
const FIRST_CALLS = 50;
/** The most calls a step tries: the gateway's RTP range below holds 1500 pairs. */
const MAX_CALLS = 1400;
/** Bisection stops when the bracket is this tight (calls, or this share of the result). */
const RESOLUTION_CALLS = 10;
const RESOLUTION_SHARE = 0.1;

type Cores = 'one' | 'all';
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SECONDS = Number(process.argv[process.argv[2] === 'gateway' ? 4 : 2] ?? 5);
const BUDGET_S = Number(process.argv[process.argv[2] === 'gateway' ? 5 : 3] ?? 100);

if (process.argv[2] === 'phones') runPhones();
else if (process.argv[2] === 'gateway') await runGateway(process.argv[3] as Cores);
else await compare();

// ---------------------------------------------------------------- phone simulator (child)

/**
 * The phones as cheap as they can be, so that on a shared machine they do not cap what the
 * gateway shows: a few sockets (PHONES_PER_SOCKET calls each, large receive buffers), one
 * 5 ms timer driving every call, packets prebuilt per call (only sequence number and
 * timestamp are written per frame), and what comes back sorted into preallocated arrays by
 * the gateway port it came from.
 */
function runPhones(): void {
  let sockets: Socket[] = [];
  let calls = 0;
  // A second of "aah" (three harmonics), PCMU: the detector and codec work on a voice, not on silence.
  const voice = synthesizeTone([{ frequencyHz: 220, amplitude: 6000 }, { frequencyHz: 660, amplitude: 3000 }, { frequencyHz: 1320, amplitude: 1500 }], 8000);
  const payloads = Array.from({ length: PAYLOADS }, (_, i) => g711Encode('mulaw', voice.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES)));
  process.on('message', async (message: ToPhones) => {
    if (message.type === 'open') {
      calls = message.count;
      sockets = await Promise.all(
        Array.from({ length: Math.ceil(calls / PHONES_PER_SOCKET) }, () => new Promise<Socket>((resolve) => {
          const socket = createSocket({ type: 'udp4', recvBufferSize: PHONE_SOCKET_BUFFER, sendBufferSize: PHONE_SOCKET_BUFFER });
          socket.bind(0, '127.0.0.1', () => resolve(socket));
        })),
      );
      reply({ type: 'opened', ports: Array.from({ length: calls }, (_, i) => sockets[Math.floor(i / PHONES_PER_SOCKET)]!.address().port) });
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
  targets.forEach((port, i) => (callOfPort[port] = i));
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
          sockets[Math.floor(i / PHONES_PER_SOCKET)]!.send(packet, targets[i]!, '127.0.0.1');
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

// ---------------------------------------------------------------- gateway runs (children)

interface StepResult {
  readonly calls: number;
  readonly latePercent: number;
  readonly lostPercent: number;
  readonly processCpu: number;
  /** The phones' process (the load generator): it must stay well below a core. */
  readonly phonesCpu: number;
  readonly mainLoopBusy: number;
  readonly workerCpu: number;
  /** RSS added per call with the calls up (gateway process, mediasoup workers), KiB. */
  readonly rssPerCallKiB: number;
  readonly workerRssPerCallKiB: number;
  readonly answerMs: number[];
  readonly firstPacketMs: number[];
}

interface RunSummary {
  readonly cores: Cores;
  readonly workers: number;
  readonly pinned: boolean;
  readonly best: StepResult | undefined;
  /** The step that measures memory: MEMORY_CALLS calls up, whatever their lateness. */
  readonly memory: StepResult;
  readonly bracket: string;
  readonly seconds: number;
}

/** Pins a process and all its threads to one CPU; false where that is not possible. */
function pin(pid: number, cpu: number): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs both configurations, one after the other, and prints them side by side. */
async function compare(): Promise<void> {
  const runs: RunSummary[] = [];
  for (const cores of ['one', 'all'] as const) {
    const child = fork(fileURLToPath(import.meta.url), ['gateway', cores, String(SECONDS), String(BUDGET_S)], { stdio: 'inherit' });
    runs.push(await new Promise<RunSummary>((resolve, reject) => {
      child.once('message', (summary: RunSummary) => resolve(summary));
      child.once('exit', (code) => reject(new Error(`the ${cores}-core run exited with ${code}`)));
    }));
    child.kill();
  }
  const cell = (run: RunSummary, value: (best: StepResult) => string) => (run.best ? value(run.best) : '-');
  const [one, all] = runs as [RunSummary, RunSummary];
  const ratio = one.best && all.best ? `${fixed(all.best.calls / one.best.calls, 2)}x` : '-';
  printTable(
    `media capacity: PCMU both ways, phone RTP and CallAudio in audio threads with in-band DTMF, under ${MAX_LATE_PERCENT}% late (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores: other load lowers the numbers)`,
    ['', `one core${one.pinned ? ' (pinned)' : ''}`, `all ${availableParallelism()} cores`],
    [
      ['mediasoup workers / audio threads', `${one.workers} / ${one.workers}`, `${all.workers} / ${all.workers}`],
      ['calls carried', `${cell(one, (b) => String(b.calls))} (${one.bracket})`, `${cell(all, (b) => String(b.calls))} (${all.bracket}) = ${ratio}`],
      ['calls per core', cell(one, (b) => String(b.calls)), cell(all, (b) => fixed(b.calls / all.workers, 0))],
      ['late / lost packets', cell(one, (b) => `${fixed(b.latePercent, 2)}% / ${fixed(b.lostPercent, 2)}%`), cell(all, (b) => `${fixed(b.latePercent, 2)}% / ${fixed(b.lostPercent, 2)}%`)],
      ['CPU: gateway process / its main loop / workers', cell(one, cpuCell), cell(all, cpuCell)],
      ['CPU: the phones (load generator)', cell(one, (b) => `${fixed(b.phonesCpu, 0)}%`), cell(all, (b) => `${fixed(b.phonesCpu, 0)}%`)],
      ['calls per fully used core (CPU-bound estimate)', cell(one, perCoreCell), cell(all, perCoreCell)],
      [`memory per call (${MEMORY_CALLS} calls): gateway RSS / worker RSS`, memoryCell(one.memory), memoryCell(all.memory)],
      ['answer (offer -> SDP answer) p50 / p99', cell(one, answerCell), cell(all, answerCell)],
      ['time taken', `${fixed(one.seconds, 0)} s`, `${fixed(all.seconds, 0)} s`],
    ],
  );
}

function cpuCell(b: StepResult): string {
  return `${fixed(b.processCpu, 0)}% / ${fixed(b.mainLoopBusy, 0)}% / ${fixed(b.workerCpu, 0)}%`;
}
/** What one core would carry if nothing else ran: calls over the CPU (process + workers) they took. */
function perCoreCell(b: StepResult): string {
  return fixed(b.calls / ((b.processCpu + b.workerCpu) / 100), 0);
}
function memoryCell(b: StepResult): string {
  return `${fixed(b.rssPerCallKiB, 0)} / ${fixed(b.workerRssPerCallKiB, 0)} KiB`;
}
function answerCell(b: StepResult): string {
  return `${fixed(percentile(b.answerMs, 0.5))} / ${fixed(percentile(b.answerMs, 0.99))} ms`;
}

async function runGateway(cores: Cores): Promise<void> {
  const began = performance.now();
  const size = cores === 'one' ? 1 : availableParallelism();
  // Before the workers and threads start: they inherit the CPU.
  const pinned = cores === 'one' && pin(process.pid, 0);
  const logger = createLogger('warn');
  const media = new MediaService({
    logger,
    workers: size,
    webrtc: { listenIp: '127.0.0.1' },
    rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 34000, portMax: 36999, timeoutMs: 60_000 },
  });
  await media.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'camgate-capacity-'));
  const phrases = new PhraseCache({ synthesize: () => Promise.resolve(new Int16Array(FRAME_SAMPLES)) });
  const threads = await AudioThreadPool.start({ size, logger, phrases, dataDir });
  const workerPids = media.status().workerPids;
  const phones = fork(fileURLToPath(import.meta.url), ['phones'], { stdio: 'inherit' });
  if (pinned) pin(phones.pid!, 1);
  let callNumber = 0;
  const workersCpuMs = () => workerPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const workersRss = () => workerPids.reduce((sum, pid) => sum + processRss(pid), 0);

  console.log(`\n${cores === 'one' ? 'one core' : 'all cores'}: mediasoup ${media.status().mediasoupVersion}, ${size} worker(s), ${size} audio thread(s), ${size} camera(s), ${SECONDS} s per step; ${pinned ? 'gateway on CPU 0, phones on CPU 1' : 'not pinned'}`);
  console.log('calls  late%   lost%  cpu% (proc/main/workers)  phones  KiB/call (rss/worker)  answer ms (p50/p99)  firstPacket ms (p50)');

  async function step(count: number): Promise<StepResult> {
    const opened = (await ask(phones, { type: 'open', count })) as Extract<FromPhones, { type: 'opened' }>;
    gc();
    const rssBefore = process.memoryUsage().rss;
    const workerRssBefore = workersRss();
    const answerMs: number[] = [];
    const sessions: MediaSession[] = [];
    const audios: ThreadedCallAudio[] = [];
    for (const port of opened.ports) {
      const callId = `bench-${++callNumber}`;
      const audio = threads.createCallAudio(callId, { intercom: { thresholdPercent: 5, cycleTimeMs: 1000 }, mode: 'listen' });
      const offer = `v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n`;
      const t0 = performance.now();
      sessions.push(await media.answer({ callId, kind: 'sip', offerSdp: offer, audio, cameraId: `camera-${callNumber % size}` }));
      answerMs.push(performance.now() - t0);
      audios.push(audio);
    }
    const targets = sessions.map((s) => Number(/^m=audio (\d+)/m.exec(s.answerSdp)![1]));
    const cpuBefore = process.cpuUsage();
    const loopBefore = performance.eventLoopUtilization();
    const workerCpuBefore = workersCpuMs();
    const wallBefore = performance.now();
    const result = (await ask(phones, { type: 'run', targets, durationMs: SECONDS * 1000 })) as Extract<FromPhones, { type: 'result' }>;
    const wall = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const loop = performance.eventLoopUtilization(loopBefore);
    const workerCpu = workersCpuMs() - workerCpuBefore;
    gc();
    const rss = process.memoryUsage().rss;
    const workerRss = workersRss();
    for (const session of sessions) session.close();
    await Promise.all(audios.map((audio) => audio.close()));
    await ask(phones, { type: 'close' });
    const outcome: StepResult = {
      calls: count,
      latePercent: (result.late / Math.max(1, result.judged)) * 100,
      lostPercent: Math.max(0, ((result.sent - result.received) / result.sent) * 100),
      processCpu: ((cpu.user + cpu.system) / 1000 / wall) * 100,
      phonesCpu: result.cpuPercent,
      mainLoopBusy: loop.utilization * 100,
      workerCpu: (workerCpu / wall) * 100,
      rssPerCallKiB: (rss - rssBefore) / count / 1024,
      workerRssPerCallKiB: (workerRss - workerRssBefore) / count / 1024,
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
  const fits = (count: number) => performance.now() - began + SECONDS * 1000 + count * 5 + 1500 < BUDGET_S * 1000;

  let best: StepResult | undefined;
  let failedAt = MAX_CALLS + 1;
  await step(WARM_UP_CALLS); // JIT, first routers and transports
  console.log(`memory: ${MEMORY_CALLS} calls up (not judged)`);
  const memory = await step(MEMORY_CALLS);
  // Doubling, the last step at MAX_CALLS itself (a gateway that carries it is not cut at half).
  for (let count = FIRST_CALLS; fits(count); count = Math.min(count * 2, MAX_CALLS)) {
    const result = await carries(count);
    if (!result) {
      failedAt = count;
      break;
    }
    best = result;
    if (count === MAX_CALLS) break;
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
  await threads.close();
  await media.close();
  rmSync(dataDir, { recursive: true, force: true });
  const bracket = failedAt > MAX_CALLS ? (low() === MAX_CALLS ? 'the most tried' : `no step up to ${low()} failed, time budget used`) : `${failedAt} failed`;
  const summary: RunSummary = { cores, workers: size, pinned, best, memory, bracket, seconds: (performance.now() - began) / 1000 };
  process.send!(summary);
}

function printStep(r: StepResult): void {
  console.log(
    [
      String(r.calls).padStart(5),
      fixed(r.latePercent, 2).padStart(6),
      fixed(r.lostPercent, 2).padStart(7),
      `${fixed(r.processCpu, 0)}/${fixed(r.mainLoopBusy, 0)}/${fixed(r.workerCpu, 0)}`.padStart(25),
      `${fixed(r.phonesCpu, 0)}`.padStart(7),
      `${fixed(r.rssPerCallKiB, 0)}/${fixed(r.workerRssPerCallKiB, 0)}`.padStart(22),
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
