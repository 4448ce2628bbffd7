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
 * phones (support/phones.ts: cheap, a child process) send 20 ms PCMU frames of a voice-like
 * signal on schedule and judge what comes back. Per step:
 *   late%   packets at the phones more than one frame behind their RTP schedule, and lost%
 *           (support/phones.ts says how, and which arrivals are not judged);
 *   cpu%    of the gateway process (all its threads; one core = 100%), its main thread's event
 *           loop (busy share), and the mediasoup workers; and of the phones' process, which
 *           should stay far below the gateway's (else the generator is what is measured);
 *   memory  RSS of the gateway process (all threads) and of the workers with the calls up, per
 *           call; the summary's comes from the search's memory step (support/capacity-search.ts);
 *   setup   offer-to-answer time per call, and answer-to-first-packet at the phone.
 * On a machine that other work shares, late% fails early; the summary also gives calls per
 * fully used core from the CPU the carried calls took (an estimate, labelled as such).
 * Search (support/capacity-search.ts): a warm-up step, a memory step, then doubling until a
 * step is over 1% late, then bisection, all within the time budget; a failed step runs once
 * more before it counts.
 */
import './support/worker-env.ts';

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { FRAME_SAMPLES } from '../src/audio/contracts.ts';
import { PhraseCache } from '../src/audio/speech/phrase-cache.ts';
import { createLogger } from '../src/core/logger.ts';
import { AudioThreadPool } from '../src/media/audio-threads/audio-thread-pool.ts';
import type { ThreadedCallAudio } from '../src/media/audio-threads/threaded-call-audio.ts';
import { MediaService } from '../src/media/media-service.ts';
import type { MediaSession } from '../src/media/media-session.ts';
import { MEMORY_CALLS, searchCapacity } from './support/capacity-search.ts';
import { MAX_LATE_PERCENT, PHONE_HOST, phoneOffer, Phones } from './support/phones.ts';
import { pinToCpu, processCpuMs, processRss } from './support/proc.ts';
import { fixed, percentile, printTable } from './support/report.ts';

/** The most calls a step tries: the gateway's RTP range below holds 1500 pairs. */
const MAX_CALLS = 1400;

type Cores = 'one' | 'all';
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SECONDS = Number(process.argv[process.argv[2] === 'gateway' ? 4 : 2] ?? 5);
const BUDGET_S = Number(process.argv[process.argv[2] === 'gateway' ? 5 : 3] ?? 100);

if (process.argv[2] === 'gateway') await runGateway(process.argv[3] as Cores);
else await compare();

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
  const pinned = cores === 'one' && pinToCpu(process.pid, 0);
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
  const phones = Phones.start();
  if (pinned) pinToCpu(phones.pid, 1);
  let callNumber = 0;
  const workersCpuMs = () => workerPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const workersRss = () => workerPids.reduce((sum, pid) => sum + processRss(pid), 0);

  console.log(`\n${cores === 'one' ? 'one core' : 'all cores'}: mediasoup ${media.status().mediasoupVersion}, ${size} worker(s), ${size} audio thread(s), ${size} camera(s), ${SECONDS} s per step; ${pinned ? 'gateway on CPU 0, phones on CPU 1' : 'not pinned'}`);
  console.log('calls  late%   lost%  cpu% (proc/main/workers)  phones  KiB/call (rss/worker)  answer ms (p50/p99)  firstPacket ms (p50)');

  async function step(count: number): Promise<StepResult> {
    const ports = await phones.open(count);
    gc();
    const rssBefore = process.memoryUsage().rss;
    const workerRssBefore = workersRss();
    const answerMs: number[] = [];
    const sessions: MediaSession[] = [];
    const audios: ThreadedCallAudio[] = [];
    for (const port of ports) {
      const callId = `bench-${++callNumber}`;
      const audio = threads.createCallAudio(callId, { intercom: { thresholdPercent: 5, cycleTimeMs: 1000 }, mode: 'listen' });
      const t0 = performance.now();
      sessions.push(await media.answer({ callId, kind: 'sip', offerSdp: phoneOffer(port), audio, cameraId: `camera-${callNumber % size}` }));
      answerMs.push(performance.now() - t0);
      audios.push(audio);
    }
    const targets = sessions.map((s) => ({ address: PHONE_HOST, port: Number(/^m=audio (\d+)/m.exec(s.answerSdp)![1]) }));
    const cpuBefore = process.cpuUsage();
    const loopBefore = performance.eventLoopUtilization();
    const workerCpuBefore = workersCpuMs();
    const wallBefore = performance.now();
    const result = await phones.run(targets, SECONDS * 1000);
    const wall = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const loop = performance.eventLoopUtilization(loopBefore);
    const workerCpu = workersCpuMs() - workerCpuBefore;
    gc();
    const rss = process.memoryUsage().rss;
    const workerRss = workersRss();
    for (const session of sessions) session.close();
    await Promise.all(audios.map((audio) => audio.close()));
    await phones.close();
    const outcome: StepResult = {
      calls: count,
      latePercent: result.latePercent,
      lostPercent: result.lostPercent,
      processCpu: ((cpu.user + cpu.system) / 1000 / wall) * 100,
      phonesCpu: result.cpuPercent,
      mainLoopBusy: loop.utilization * 100,
      workerCpu: (workerCpu / wall) * 100,
      rssPerCallKiB: (rss - rssBefore) / count / 1024,
      workerRssPerCallKiB: (workerRss - workerRssBefore) / count / 1024,
      answerMs,
      firstPacketMs: result.firstPacketMs,
    };
    printStep(outcome);
    return outcome;
  }

  // A step takes its run time plus set-up and tear-down (~5 ms a call on a loaded core).
  const fits = (count: number) => performance.now() - began + SECONDS * 1000 + count * 5 + 1500 < BUDGET_S * 1000;
  const { best, memory, bracket } = await searchCapacity(step, { maxCalls: MAX_CALLS, fits });

  phones.quit();
  await threads.close();
  await media.close();
  rmSync(dataDir, { recursive: true, force: true });
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
