/**
 * Issue #10: the softphone's call carries the camera's picture. Chromium calls the camera
 * from the camera page (JsSIP, one bundled transport), and the <video> above the keypad
 * plays decoded frames whose burnt-in capture time advances; the source dying mid-call
 * leaves the audio up, the softphone says so, and the picture comes back by itself.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodedFrame, SOFTPHONE_VIDEO, type DecodedFrame } from '../support/live-view-page.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';

const TIMESTAMP_MODULO = 2 ** 40;
const CHROMIUM_ARGS = [
  '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox',
];

function ffmpegChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((line) => line.trim().split(/\s+/)).filter(([, comm]) => comm === 'ffmpeg').map(([pid]) => Number(pid));
}

/** A decoded softphone frame that is a picture captured after `since` (a frozen frame cannot pass). */
function playingFrame(page: Page, what: string, since: number): Promise<DecodedFrame> {
  return eventually(
    async () => {
      const frame = await decodedFrame(page, SOFTPHONE_VIDEO);
      const now = Date.now() % TIMESTAMP_MODULO;
      return frame && frame.lumaSpread > 20 && frame.timestamp <= now + 1000 && frame.timestamp > since % TIMESTAMP_MODULO ? frame : undefined;
    },
    20_000,
    what,
  );
}

async function call(page: Page, gw: TestGateway): Promise<Locator> {
  await page.goto(gw.baseUrl);
  const softphone = page.locator('camgate-softphone');
  await softphone.getByRole('button', { name: 'Call', exact: true }).click();
  await eventually(async () => (await softphone.getAttribute('data-call-state')) === 'in-call', 15_000, 'the call to be answered');
  return softphone;
}

async function launch(gw: TestGateway): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ permissions: ['microphone'] });
  const [name, value] = gw.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: gw.baseUrl }]);
  return { browser, page: await context.newPage() };
}

describe('a softphone call with the camera video (simulated scene)', () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    gw = await startTestGateway(['--camera-name', 'front door']);
    ({ browser, page } = await launch(gw));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('shows the moving scene above the keypad: decoded frames whose capture time advances, with the audio connected', async () => {
    const calledAt = Date.now();
    const softphone = await call(page, gw);
    const first = await playingFrame(page, 'the first decoded frame in the softphone', calledAt);
    expect(first).toMatchObject({ width: 640, height: 360 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await playingFrame(page, 'a later frame', calledAt);
    expect(later.timestamp).toBeGreaterThan(first.timestamp);
    await eventually(async () => (await softphone.getAttribute('data-media')) === 'connected', 10_000, 'the audio path');
    expect(await softphone.getAttribute('data-video')).toBe('playing');
    expect(ffmpegChildren()).toHaveLength(1);
  }, 40_000);

  it('says "Video unavailable" when the source dies mid-call, keeps the audio, and plays again by itself', async () => {
    const softphone = page.locator('camgate-softphone');
    const [encoder] = ffmpegChildren();
    expect(encoder).toBeDefined();
    const killedAt = Date.now();
    process.kill(encoder!, 'SIGKILL');
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'unavailable', 15_000, 'the softphone to say the video stopped');
    await expect(softphone.locator('.video-problem').textContent()).resolves.toMatch(/^Video unavailable: /);
    expect(await softphone.getAttribute('data-call-state')).toBe('in-call');
    await playingFrame(page, 'a frame from the restarted encoder', killedAt);
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'playing', 10_000, 'the softphone to play again');
    expect(await softphone.getAttribute('data-media')).toBe('connected');
    expect(await softphone.getAttribute('data-call-state')).toBe('in-call');
    await softphone.getByRole('button', { name: 'Hang up' }).click();
  }, 50_000);
});
