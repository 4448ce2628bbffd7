/**
 * The camera's live video (issue #10): how fast a call shows a picture, how old the picture
 * is when the browser decodes it, and what forwarding it to many viewers costs.
 *
 *   npx tsx packages/gateway/bench/video.ts [calls] [latencySeconds] [secondsPerStep]
 *
 *   answer->frame  Chromium calls the camera from the camera page (softphone, JsSIP): time
 *                  from the call being answered (the softphone's in-call event) to the first
 *                  decoded frame of its <video> (requestVideoFrameCallback). Goal < 1 s.
 *   glass-to-glass for each frame the softphone presents: the wall clock now minus the
 *                  capture time burnt into the frame by the simulated scene (its timestamp
 *                  strip, read from the decoded pixels): encoder, RTP, mediasoup, the
 *                  browser's jitter buffer and decoder. Loopback, one host clock. Goal p50 < 150 ms.
 *   viewers        1, 10 and 50 plain RTP consumers of one camera's producer (each a
 *                  PlainTransport sending to a UDP socket here that counts the packets):
 *                  the mediasoup worker's CPU above the no-viewer baseline, per viewer
 *                  (one core = 100%). Forwarding only: the one encoder is not counted.
 *                  Goal < 1% of a core per viewer.
 */
import './support/worker-env.ts';

import { createSocket, type Socket } from 'node:dgram';
import { chromium } from 'playwright-core';
import { createLogger } from '../src/core/logger.ts';
import { MediaService } from '../src/media/media-service.ts';
import { SimulatedScene, SCENE_HEIGHT, SCENE_WIDTH, TIMESTAMP_BITS, TIMESTAMP_BLOCK } from '../src/media/video/simulated-scene.ts';
import { VideoSupervisor } from '../src/media/video/video-supervisor.ts';
import { SOFTPHONE_VIDEO } from '../test/support/live-view-page.ts';
import { eventually, startTestGateway } from '../test/support/gateway.ts';
import { processCpuMs } from './support/proc.ts';
import { fixed, percentile, printTable } from './support/report.ts';

const CALLS = Number(process.argv[2] ?? 5);
const LATENCY_SECONDS = Number(process.argv[3] ?? 10);
const STEP_SECONDS = Number(process.argv[4] ?? 10);
const VIEWER_STEPS = [0, 1, 10, 50];
const TIMESTAMP_MODULO = 2 ** 40;

/**
 * In the page: waits for the softphone's in-call event, then for the first presented frame,
 * then reads the burnt-in capture time of every presented frame for `seconds`.
 */
const MEASURE_CALL = (seconds: number) => `new Promise((resolve) => {
  const softphone = (${SOFTPHONE_VIDEO.replace("?.shadowRoot?.querySelector('video')", '')});
  let answeredAt = 0;
  const ages = [];
  const canvas = document.createElement('canvas');
  canvas.width = ${SCENE_WIDTH};
  canvas.height = ${SCENE_HEIGHT};
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const read = (video) => {
    context.drawImage(video, 0, 0, ${SCENE_WIDTH}, ${SCENE_HEIGHT});
    const y = ${SCENE_HEIGHT - TIMESTAMP_BLOCK / 2};
    const row = context.getImageData(0, y, ${SCENE_WIDTH}, 1).data;
    let stamp = 0;
    for (let bit = 0; bit < ${TIMESTAMP_BITS}; bit++) {
      const i = (bit * ${TIMESTAMP_BLOCK} + ${TIMESTAMP_BLOCK / 2}) * 4;
      stamp = stamp * 2 + (0.299 * row[i] + 0.587 * row[i + 1] + 0.114 * row[i + 2] > 128 ? 1 : 0);
    }
    return stamp;
  };
  softphone.addEventListener('camgate-call-state', (event) => {
    if (event.detail.state !== 'in-call' || answeredAt) return;
    answeredAt = performance.now();
    const video = softphone.shadowRoot.querySelector('video');
    let firstFrameMs = 0;
    const onFrame = () => {
      const now = Date.now();
      if (!firstFrameMs) {
        firstFrameMs = performance.now() - answeredAt;
        setTimeout(() => resolve({ firstFrameMs, ages }), ${seconds * 1000});
      }
      ages.push((now % ${TIMESTAMP_MODULO}) - read(video));
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
  softphone.shadowRoot.querySelector('button.call').click();
})`;

async function browserCalls(): Promise<{ firstFrameMs: number[]; agesMs: number[] }> {
  const gw = await startTestGateway(['--camera-name', 'bench']);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--no-sandbox'],
  });
  const firstFrameMs: number[] = [];
  const agesMs: number[] = [];
  try {
    const context = await browser.newContext({ permissions: ['microphone'] });
    const [name, value] = gw.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: gw.baseUrl }]);
    for (let call = 0; call < CALLS; call++) {
      const page = await context.newPage();
      await page.goto(gw.baseUrl);
      await page.locator('camgate-softphone').getByRole('button', { name: 'Call', exact: true }).waitFor();
      // The first call measures what a caller sees when the video starts with the call; the
      // later ones start while the encoder lingers from the call before.
      const seconds = call === 0 ? LATENCY_SECONDS : 1;
      const result = await page.evaluate<{ firstFrameMs: number; ages: number[] }>(MEASURE_CALL(seconds));
      firstFrameMs.push(result.firstFrameMs);
      // A frame decoded before its key frame can misread; ages outside 0..5 s are such misreads.
      agesMs.push(...result.ages.filter((age) => age >= 0 && age < 5000));
      await page.locator('camgate-softphone').getByRole('button', { name: 'Hang up' }).click();
      await page.close();
      await eventually(async () => (await gw.api<{ calls: unknown[] }>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'the call to end');
    }
  } finally {
    await browser.close();
    await gw.close();
  }
  return { firstFrameMs, agesMs };
}

interface ViewerStep {
  viewers: number;
  workerCpuPercent: number;
  packetsPerViewerPerSecond: number;
}

async function viewerCpu(): Promise<ViewerStep[]> {
  const logger = createLogger('silent');
  const media = new MediaService({ logger, webrtc: { listenIp: '127.0.0.1' }, rtp: { listenIp: '127.0.0.1', announcedIp: '127.0.0.1', portMin: 36000, portMax: 36999 } });
  await media.start();
  const supervisor = new VideoSupervisor({ cameraId: 'camera', source: new SimulatedScene({ cameraId: 'camera', cameraName: 'bench', logger }), router: () => media.cameraRouter(), alwaysOn: true, logger });
  const sinks: Socket[] = [];
  const steps: ViewerStep[] = [];
  try {
    supervisor.start();
    await eventually(() => supervisor.state.state === 'running', 15_000, 'the scene');
    const router = await media.cameraRouter();
    const workerPid = media.status().workerPids[0]!;
    const transports = [];
    let packets = 0;
    for (const viewers of VIEWER_STEPS) {
      while (sinks.length < viewers) {
        const sink = createSocket('udp4');
        await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
        sink.on('message', () => packets++);
        const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
        await transport.connect({ ip: '127.0.0.1', port: sink.address().port });
        await transport.consume({ producerId: supervisor.producer!.id, rtpCapabilities: router.rtpCapabilities });
        sinks.push(sink);
        transports.push(transport);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000)); // settle
      const cpuBefore = processCpuMs(workerPid);
      packets = 0;
      const startedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, STEP_SECONDS * 1000));
      const elapsedMs = Date.now() - startedAt;
      steps.push({
        viewers,
        workerCpuPercent: ((processCpuMs(workerPid) - cpuBefore) / elapsedMs) * 100,
        packetsPerViewerPerSecond: viewers ? packets / viewers / (elapsedMs / 1000) : 0,
      });
    }
  } finally {
    for (const sink of sinks) sink.close();
    supervisor.close();
    await media.close();
  }
  return steps;
}

const { firstFrameMs, agesMs } = await browserCalls();
printTable(`Chromium softphone calls with video (${CALLS} calls; glass-to-glass over ${LATENCY_SECONDS} s of the first)`, ['measure', 'p50 ms', 'p95 ms', 'max ms', 'samples', 'goal'], [
  ['answer -> first decoded frame', fixed(percentile(firstFrameMs, 0.5), 0), fixed(percentile(firstFrameMs, 0.95), 0), fixed(Math.max(...firstFrameMs), 0), firstFrameMs.length, '< 1000'],
  ['glass-to-glass (capture -> decoded)', fixed(percentile(agesMs, 0.5), 0), fixed(percentile(agesMs, 0.95), 0), fixed(Math.max(...agesMs), 0), agesMs.length, 'p50 < 150'],
]);

const steps = await viewerCpu();
const baseline = steps[0]!.workerCpuPercent;
printTable(`mediasoup worker CPU forwarding one camera (${STEP_SECONDS} s per step; one core = 100%)`, ['viewers', 'worker cpu%', 'above baseline per viewer %', 'packets/s per viewer', 'goal'], steps.map((s) => [
  s.viewers,
  fixed(s.workerCpuPercent, 2),
  s.viewers ? fixed((s.workerCpuPercent - baseline) / s.viewers, 3) : '-',
  s.viewers ? fixed(s.packetsPerViewerPerSecond, 0) : '-',
  s.viewers ? '< 1' : 'baseline',
]));
