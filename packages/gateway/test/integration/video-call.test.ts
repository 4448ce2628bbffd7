/**
 * Issue #10: the softphone's call carries the camera's picture. Chromium calls the camera
 * from the camera page (JsSIP, one bundled transport), and the <video> above the keypad
 * plays decoded frames whose burnt-in capture time advances; the source dying mid-call
 * leaves the audio up, the softphone says so, and the picture comes back by itself.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodedFrame, playingSoftphoneFrame, SOFTPHONE_CHROMIUM_ARGS, SOFTPHONE_VIDEO } from '../support/live-view-page.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freeTcpPort } from '../support/ports.ts';
import type { PeerProcess } from '../support/process.ts';
import { describeSps, NAL_SPS, startRtspCamera } from '../support/rtsp-camera.ts';

function ffmpegChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').map((line) => line.trim().split(/\s+/)).filter(([, comm]) => comm === 'ffmpeg').map(([pid]) => Number(pid));
}

async function call(page: Page, gw: TestGateway): Promise<Locator> {
  await page.goto(`${gw.baseUrl}/cameras/camera`);
  const softphone = page.locator('camgate-softphone');
  await softphone.getByRole('button', { name: 'Call', exact: true }).click();
  await eventually(async () => (await softphone.getAttribute('data-call-state')) === 'in-call', 15_000, 'the call to be answered');
  return softphone;
}

/**
 * Keeps the SPS NAL units of the first received video frames (encoded, before the decoder):
 * the page's RTCPeerConnection gets encoded insertable streams, and each received video
 * frame is copied on its way to the decoder (Annex B: start codes before each NAL unit).
 */
const RECORD_RECEIVED_SPS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__receivedSps = [];
  window.RTCPeerConnection = function (config) {
    const pc = new Native({ ...(config || {}), encodedInsertableStreams: true });
    pc.addEventListener('track', (event) => {
      const { readable, writable } = event.receiver.createEncodedStreams();
      const video = event.track.kind === 'video';
      readable.pipeThrough(new TransformStream({
        transform(frame, controller) {
          if (video && window.__receivedSps.length < 3) {
            const bytes = new Uint8Array(frame.data);
            for (let i = 0; i + 4 < bytes.length; i++) {
              if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1 && (bytes[i + 3] & 0x1f) === ${NAL_SPS}) {
                let end = i + 3;
                while (end + 2 < bytes.length && !(bytes[end] === 0 && bytes[end + 1] === 0 && (bytes[end + 2] === 1 || bytes[end + 2] === 0))) end++;
                window.__receivedSps.push(Array.from(bytes.subarray(i + 3, end + 2 >= bytes.length ? bytes.length : end)));
              }
            }
          }
          controller.enqueue(frame);
        },
      })).pipeTo(writable);
    });
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})()`;

async function launch(gw: TestGateway, recordSps = false): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: SOFTPHONE_CHROMIUM_ARGS });
  const context = await browser.newContext({ permissions: ['microphone'] });
  const [name, value] = gw.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: gw.baseUrl }]);
  if (recordSps) await context.addInitScript(RECORD_RECEIVED_SPS);
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
    const first = await playingSoftphoneFrame(page, 'the first decoded frame in the softphone', calledAt);
    expect(first).toMatchObject({ width: 640, height: 360 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await playingSoftphoneFrame(page, 'a later frame', calledAt);
    expect(later.timestamp).toBeGreaterThan(first.timestamp);
    await eventually(async () => (await softphone.getAttribute('data-media')) === 'connected', 10_000, 'the audio path');
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'playing', 10_000, 'the softphone to say it plays');
    expect(ffmpegChildren()).toHaveLength(1);
  }, 40_000);

  it('says "Video unavailable" when the source dies mid-call, keeps the audio, and plays again by itself', async () => {
    const softphone = page.locator('camgate-softphone');
    const [encoder] = ffmpegChildren();
    expect(encoder).toBeDefined();
    const killedAt = Date.now();
    process.kill(encoder!, 'SIGKILL');
    // Its first restart comes after 1 s; killed again at once, the next waits 2 s: an outage
    // the softphone must notice (it says so after 1.5 s without a decoded frame).
    const restarted = await eventually(() => ffmpegChildren().find((pid) => pid !== encoder), 10_000, 'the first restart');
    process.kill(restarted, 'SIGKILL');
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'unavailable', 15_000, 'the softphone to say the video stopped');
    await expect(softphone.locator('.video-problem').textContent()).resolves.toMatch(/^Video unavailable: /);
    expect(await softphone.getAttribute('data-call-state')).toBe('in-call');
    await playingSoftphoneFrame(page, 'a frame from the restarted encoder', killedAt);
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'playing', 10_000, 'the softphone to play again');
    expect(await softphone.getAttribute('data-media')).toBe('connected');
    expect(await softphone.getAttribute('data-call-state')).toBe('in-call');
    await softphone.getByRole('button', { name: 'Hang up' }).click();
  }, 50_000);
});

describe('a softphone call with the video of a real RTSP camera', () => {
  let camera: PeerProcess | undefined;
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    const port = await freeTcpPort();
    camera = await startRtspCamera(port);
    url = `rtsp://127.0.0.1:${port}/camera`;
    gw = await startTestGateway(['--video-url', url]);
    ({ browser, page } = await launch(gw, true));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await camera?.stop();
  });

  it("plays the camera's own H.264 (its High-profile SPS, byte for byte, reaches Chromium's decoder)", async () => {
    const cameraSps = await describeSps(url);
    const softphone = await call(page, gw);
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'playing', 20_000, 'the camera video to play');
    const frame = await eventually(async () => {
      const decoded = await decodedFrame(page, SOFTPHONE_VIDEO);
      return decoded && decoded.width === 352 && decoded.lumaSpread > 20 ? decoded : undefined;
    }, 10_000, "a decoded 352x288 picture (the camera's size, not the simulated 640x360)");
    expect(frame.height).toBe(288);
    const received = await eventually(async () => {
      const sps = await page.evaluate<number[][]>('window.__receivedSps');
      return sps.length > 0 ? sps : undefined;
    }, 10_000, 'an SPS in the received frames');
    expect(Buffer.from(received[0]!).equals(cameraSps)).toBe(true);
    await softphone.getByRole('button', { name: 'Hang up' }).click();
  }, 50_000);
});

describe('a softphone call while the camera video cannot run', () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Nothing listens there: ffmpeg's connection is refused at once.
    gw = await startTestGateway(['--video-url', `rtsp://viewer:pw-never-shown@127.0.0.1:${await freeTcpPort()}/camera`]);
    ({ browser, page } = await launch(gw));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('is an audio call: the softphone says "Video unavailable: <reason>" (no password in it) and the audio connects', async () => {
    const softphone = await call(page, gw);
    await eventually(async () => (await softphone.getAttribute('data-media')) === 'connected', 10_000, 'the audio path');
    expect(await softphone.getAttribute('data-video')).toBe('unavailable');
    const problem = await softphone.locator('.video-problem').textContent();
    expect(problem).toMatch(/^Video unavailable: ffmpeg exited/);
    expect(problem).not.toMatch(/pw-never-shown|viewer/);
    expect(await softphone.locator('.picture').isHidden()).toBe(true);
    await softphone.getByRole('button', { name: 'Hang up' }).click();
  }, 40_000);
});
