import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraStatus } from '@camgate/protocol';
import { decodedFrame, liveViewState, type DecodedFrame } from '../support/live-view-page.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';

/** 2^40: the timestamp strip's range. */
const TIMESTAMP_MODULO = 2 ** 40;

/** The pids of ffmpeg processes this test process started (the gateway runs in it). */
function ffmpegChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'ffmpeg')
    .map(([pid]) => Number(pid));
}

/**
 * Waits for a decoded frame that is a picture (not blank) captured after `since` (epoch ms):
 * a frozen last frame, or a guessed strip, cannot pass.
 */
async function playingFrame(page: Page, what: string, since = Date.now() - 30_000): Promise<DecodedFrame> {
  return eventually(
    async () => {
      const frame = await decodedFrame(page);
      const now = Date.now() % TIMESTAMP_MODULO;
      return frame && frame.lumaSpread > 20 && frame.timestamp <= now + 1000 && frame.timestamp > since % TIMESTAMP_MODULO ? frame : undefined;
    },
    20_000,
    what,
  );
}

describe('camera page live view (issue #10): the simulated scene in Chromium without a call', () => {
  let gw: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // One mediasoup worker: the one killed below is surely the one carrying the camera's Router.
    gw = await startTestGateway(['--camera-name', 'front door', '--workers', '1']);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--autoplay-policy=no-user-gesture-required', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox'],
    });
    context = await browser.newContext();
    const [name, value] = gw.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: gw.baseUrl }]);
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('plays the moving scene: a real picture whose burnt-in capture time advances; the status says running', async () => {
    await page.goto(`${gw.baseUrl}/cameras/camera`);
    const first = await playingFrame(page, 'the first decoded frame');
    expect(first).toMatchObject({ width: 640, height: 360 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await playingFrame(page, 'a later frame');
    expect(later.timestamp).toBeGreaterThan(first.timestamp);
    expect((await liveViewState(page)).state).toBe('playing');
    const { video } = await gw.api<CameraStatus>('GET', '/api/cameras/camera/status');
    expect(video).toMatchObject({ state: 'running', source: 'simulated', viewers: 1, reason: null });
    // One encoder, whatever the number of viewers.
    expect(ffmpegChildren()).toHaveLength(1);
  });

  it('plays again after a reload (the encoder keeps running through it)', async () => {
    const [encoder] = ffmpegChildren();
    const reloadedAt = Date.now();
    await page.reload();
    const frame = await playingFrame(page, 'a frame after the reload', reloadedAt);
    expect(frame.lumaSpread).toBeGreaterThan(20);
    expect(ffmpegChildren()).toEqual([encoder]);
  });

  it('says "video unavailable" when the encoder dies, then plays again by itself', async () => {
    const [encoder] = ffmpegChildren();
    expect(encoder).toBeDefined();
    const killedAt = Date.now();
    process.kill(encoder!, 'SIGKILL');
    const down = await eventually(async () => {
      const view = await liveViewState(page);
      return view.state === 'unavailable' ? view : undefined;
    }, 10_000, 'the page to say the video is unavailable');
    expect(down.message).toMatch(/^Video unavailable: ffmpeg exited \(SIGKILL\)/);
    // Captured after the kill: only the restarted encoder can have made this frame.
    await playingFrame(page, 'a frame from the restarted encoder', killedAt);
    expect((await liveViewState(page)).state).toBe('playing');
    const [restarted] = ffmpegChildren();
    expect(restarted).not.toBe(encoder);
  });

  it('plays again by itself after the mediasoup worker died (new Router, new transport, new encoder)', async () => {
    const [workerPid] = (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).media.workerPids;
    const killedAt = Date.now();
    process.kill(workerPid!, 'SIGKILL');
    await eventually(async () => {
      const pids = (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).media.workerPids;
      return pids.length === 1 && pids[0] !== workerPid;
    }, 15_000, 'a replacement worker');
    await playingFrame(page, 'a frame through the new worker', killedAt);
    expect((await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).video).toMatchObject({ state: 'running', viewers: 1 });
  }, 40_000);
});
