/**
 * How many concurrent SIP phone calls the media layer carries with audio both ways.
 *
 *   npx tsx packages/gateway/bench/media-capacity.ts [maxCalls] [secondsPerStep] [--all]
 *
 * One mediasoup worker; every call is a SipLeg (RTP edge -> PlainTransport -> camera
 * DirectTransport and back) with G.711 decode + in-band DTMF detection + encode on the
 * shared 20 ms clock. The phones run in a child process (UDP on loopback) that sends 20 ms
 * PCMU frames on time and timestamps what comes back. Per step it reports:
 *   late%   packets at the phones more than one frame (20 ms) behind their RTP schedule
 *           (arrival vs first arrival + timestamp distance, minus the best case), and lost%;
 *   camera  ticks of the shared clock that ran over a frame late (and the worst lateness),
 *           and the clock's work per call per tick (decode, DTMF detection, encode, send);
 *   cpu%    of the Node process and of the worker (one core = 100%);
 *   setup   offer-to-answer time per call, and answer-to-first-packet at the phone;
 *   memory  RSS growth per call (Node + worker).
 * Steps stop after the first one above 1% late (unless --all). Note: on a 2-core machine the phone
 * simulator competes with the gateway for CPU, so the numbers are a lower bound.
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type ToPhones = { type: 'open'; count: number } | { type: 'run'; targets: number[]; durationMs: number } | { type: 'close' } | { type: 'quit' };
type FromPhones =
  | { type: 'opened'; ports: number[] }
  | { type: 'closed' }
  | { type: 'result'; sent: number; received: number; late: number; firstPacketMs: number[] };

const FRAME_MS = 20;
const LATE_MS = FRAME_MS;

if (process.argv[2] === 'phones') runPhones();
else await runGateway();

// ---------------------------------------------------------------- phone simulator (child)

function runPhones(): void {
  let sockets: Socket[] = [];
  const payload = Buffer.alloc(160, 0xff); // PCMU silence-ish; the content does not matter here
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
      reply(await measure(sockets, message.targets, message.durationMs, payload));
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

async function measure(sockets: Socket[], targets: number[], durationMs: number, payload: Buffer): Promise<FromPhones> {
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
      // How far behind its RTP schedule this packet is (relative to the first one).
      const offset = now - (call.first.at + (((ts - call.first.ts) >>> 0) / 8));
      call.offsets.push(offset);
      if (offset < call.minOffset) call.minOffset = offset;
    });
  });
  let sent = 0;
  let frame = 0;
  const header = Buffer.alloc(12);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      while (frame * FRAME_MS <= elapsed) {
        for (let i = 0; i < sockets.length; i++) {
          header[0] = 0x80;
          header[1] = 0;
          header.writeUInt16BE(frame & 0xffff, 2);
          header.writeUInt32BE((frame * 160) >>> 0, 4);
          header.writeUInt32BE(1000 + i, 8);
          sockets[i]!.send(Buffer.concat([header, payload]), targets[i]!, '127.0.0.1');
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
  for (const call of perCall) for (const offset of call.offsets) if (offset - call.minOffset > LATE_MS) late++;
  return { type: 'result', sent, received, late, firstPacketMs: perCall.map((c) => c.firstAt) };
}

// ---------------------------------------------------------------- gateway side (parent)

async function runGateway(): Promise<void> {
  const envFile = fileURLToPath(new URL('../../../node_modules/.camgate/env.json', import.meta.url));
  if (!process.env.MEDIASOUP_WORKER_BIN) {
    const saved = existsSync(envFile) ? (JSON.parse(readFileSync(envFile, 'utf8')) as { MEDIASOUP_WORKER_BIN?: string }) : {};
    process.env.MEDIASOUP_WORKER_BIN = saved.MEDIASOUP_WORKER_BIN ?? join(homedir(), '.cache', 'camgate', 'mediasoup-worker-3.12.16');
  }
  // mediasoup reads MEDIASOUP_WORKER_BIN when loaded: import after setting it.
  const { MediaService } = await import('../src/media/media-service.ts');
  const { createLogger } = await import('../src/core/logger.ts');
  const { GoertzelDtmfDetector } = await import('../src/audio/dtmf/goertzel-detector.ts');
  const { FRAME_SAMPLES } = await import('../src/audio/contracts.ts');

  const maxCalls = Number(process.argv[2] ?? 400);
  const seconds = Number(process.argv[3] ?? 8);
  // The first step also warms up the JIT.
  const steps = [25, 25, 50, 100, 150, 200, 300, 400, 500, 600].filter((n) => n <= maxCalls);
  const media = new MediaService({
    logger: createLogger('warn'),
    webrtc: { listenIp: '127.0.0.1' },
    rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 34000, portMax: 36999, timeoutMs: 60_000 },
  });
  await media.start();
  const workerPid = media.status().workerPids[0]!;
  const phones = fork(fileURLToPath(import.meta.url), ['phones'], { stdio: 'inherit' });
  const ask = (message: ToPhones) => new Promise<FromPhones>((resolve) => {
    phones.once('message', (m: FromPhones) => resolve(m));
    phones.send(message);
  });
  const silence = new Int16Array(FRAME_SAMPLES);

  console.log(`media capacity: mediasoup ${media.status().mediasoupVersion}, 1 worker, ${seconds} s per step, PCMU both ways + in-band DTMF detection`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (other load skews late%)`);
  console.log('calls  late%   lost%  lateTicks/maxMs  tick µs/call  nodeCpu%  workerCpu%  answer ms (p50/p99)  firstPacket ms (p50)  rss/call KiB');
  let callNumber = 0;
  for (const count of steps) {
    const rssBefore = process.memoryUsage().rss + workerRss(workerPid);
    const opened = (await ask({ type: 'open', count })) as Extract<FromPhones, { type: 'opened' }>;
    const answerMs: number[] = [];
    const sessions = [];
    for (const port of opened.ports) {
      const detector = new GoertzelDtmfDetector();
      const offer = `v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n`;
      const t0 = performance.now();
      const session = await media.answer({
        callId: `bench-${++callNumber}`,
        kind: 'sip',
        offerSdp: offer,
        audio: { pushCallerFrame: (frame) => void detector.process(frame), pullFrame: () => silence },
      });
      answerMs.push(performance.now() - t0);
      sessions.push(session);
    }
    const targets = sessions.map((s) => Number(/^m=audio (\d+)/m.exec(s.answerSdp)![1]));
    const rssLoaded = process.memoryUsage().rss + workerRss(workerPid);
    const ticksBefore = media.tickerStats;
    const cpuBefore = process.cpuUsage();
    const workerCpuBefore = workerCpuMs(workerPid);
    const wallBefore = performance.now();
    const result = (await ask({ type: 'run', targets, durationMs: seconds * 1000 })) as Extract<FromPhones, { type: 'result' }>;
    const wall = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const nodeCpu = ((cpu.user + cpu.system) / 1000 / wall) * 100;
    const workerCpu = ((workerCpuMs(workerPid) - workerCpuBefore) / wall) * 100;
    const ticks = media.tickerStats;
    const late = (result.late / Math.max(1, result.received)) * 100;
    const lost = Math.max(0, ((result.sent - result.received) / result.sent) * 100);
    answerMs.sort((a, b) => a - b);
    const first = result.firstPacketMs.filter(Number.isFinite).sort((a, b) => a - b);
    console.log(
      [
        String(count).padStart(5),
        late.toFixed(2).padStart(6),
        lost.toFixed(2).padStart(7),
        `${ticks.lateTicks - ticksBefore.lateTicks}/${ticks.maxLatenessMs.toFixed(0)}`.padStart(16),
        (((ticks.busyMs - ticksBefore.busyMs) / Math.max(1, ticks.ticks - ticksBefore.ticks) / count) * 1000).toFixed(1).padStart(13),
        nodeCpu.toFixed(0).padStart(9),
        workerCpu.toFixed(0).padStart(11),
        `${pct(answerMs, 0.5).toFixed(1)}/${pct(answerMs, 0.99).toFixed(1)}`.padStart(20),
        pct(first, 0.5).toFixed(0).padStart(21),
        ((rssLoaded - rssBefore) / count / 1024).toFixed(0).padStart(13),
      ].join(' '),
    );
    for (const session of sessions) session.close();
    await ask({ type: 'close' });
    if (late > 1 && !process.argv.includes('--all')) break;
  }
  phones.send({ type: 'quit' } satisfies ToPhones);
  await media.close();
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

function workerCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (100 Hz)
}

function workerRss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}
