/**
 * Issue #14: the doorbell rings the resident's embedded softphone with the camera's name, and
 * the answered call shows the camera's live picture above the keypad, as a call the browser
 * places does. The camera calls late-offer (INVITE without SDP): the softphone's 200 OK
 * offers to receive video, the gateway's ACK answers it with the camera's stream, or refuses
 * it with the reason the softphone shows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTORY_OUTGOING_CALLS, type CameraStatus } from '@camgate/protocol';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { playingSoftphoneFrame, SOFTPHONE_CHROMIUM_ARGS } from '../support/live-view-page.ts';
import { freeTcpPort } from '../support/ports.ts';

const ACCOUNT = { username: 'resident', password: 'resident-pass-1' };

interface ResidentTab {
  page: Page;
  softphone: Locator;
  close(): Promise<void>;
}

/**
 * The resident's own page, on another origin and without an admin session (only the account),
 * opened in Chromium with the bell set to call that account; resolves once it is registered.
 */
async function openResidentTab(gw: TestGateway): Promise<ResidentTab> {
  await gw.api('PUT', `/api/softphone-accounts/${ACCOUNT.username}`, { password: ACCOUNT.password });
  const profile = { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, targets: [`softphone:${ACCOUNT.username}`], speakText: '', messageId: null };
  await gw.api('PUT', '/api/cameras/camera/outgoing-calls', { ...FACTORY_OUTGOING_CALLS, profiles: [profile] });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Resident</title>
<script type="module" src="${gw.baseUrl}/camgate.js"></script></head>
<body><camgate-softphone gateway="${gw.baseUrl}" username="${ACCOUNT.username}" password="${ACCOUNT.password}"></camgate-softphone></body></html>`;
  const server = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: SOFTPHONE_CHROMIUM_ARGS });
  const close = async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  };
  const page = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const softphone = page.locator('camgate-softphone');
  await eventually(async () => (await softphone.getAttribute('data-registration')) === 'registered', 15_000, 'the softphone to register');
  return { page, softphone, close };
}

/** Rings the resident with the bell and answers; resolves with the time Answer was clicked. */
async function ringAndAnswer(gw: TestGateway, softphone: Locator, cameraName: string): Promise<number> {
  await gw.api('POST', '/api/cameras/camera/bell');
  await eventually(async () => (await softphone.getAttribute('data-incoming')) === 'ringing', 15_000, 'the softphone to ring');
  await expect(softphone.getByRole('alertdialog', { name: 'Incoming call' }).textContent()).resolves.toContain(`Incoming call from ${cameraName}`);
  expect(await softphone.locator('.picture').isHidden()).toBe(true); // no picture before the call is taken
  const answeredAt = Date.now();
  await softphone.getByRole('button', { name: 'Answer' }).click();
  await eventually(async () => (await softphone.getAttribute('data-call-state')) === 'in-call', 15_000, 'the call to be taken');
  return answeredAt;
}

async function hangUp(gw: TestGateway, softphone: Locator): Promise<void> {
  await softphone.getByRole('button', { name: 'Hang up' }).click();
  await eventually(async () => (await softphone.getAttribute('data-call-state')) === 'ended', 10_000, 'the call to end');
  expect(await softphone.locator('.picture').isHidden()).toBe(true);
  await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'the camera to hang up too');
}

describe('the doorbell rings an embedded softphone, which shows the camera once answered', () => {
  let gw: TestGateway;
  let tab: ResidentTab;

  beforeAll(async () => {
    gw = await startTestGateway(['--camera-name', 'front door']);
    tab = await openResidentTab(gw);
  }, 60_000);

  afterAll(async () => {
    await tab?.close();
    await gw?.close();
  });

  it('rings with the camera name, then plays the live picture above the keypad with the audio connected', async () => {
    const { page, softphone } = tab;
    const answeredAt = await ringAndAnswer(gw, softphone, 'front door');
    const first = await playingSoftphoneFrame(page, 'the first decoded frame of the answered call', answeredAt);
    expect(first).toMatchObject({ width: 640, height: 360 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await playingSoftphoneFrame(page, 'a later frame', answeredAt);
    expect(later.timestamp).toBeGreaterThan(first.timestamp);
    expect(await softphone.locator('.picture').isVisible()).toBe(true);
    await eventually(async () => (await softphone.getAttribute('data-media')) === 'connected', 10_000, 'the audio path');
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'playing', 10_000, 'the softphone to say it plays');
    await hangUp(gw, softphone);
  }, 60_000);
});

describe('an answered doorbell call while the camera video cannot run', () => {
  let gw: TestGateway;
  let tab: ResidentTab;

  beforeAll(async () => {
    // Nothing listens there: ffmpeg's connection is refused at once, so the ACK refuses the video.
    gw = await startTestGateway(['--video-url', `rtsp://127.0.0.1:${await freeTcpPort()}/camera`]);
    tab = await openResidentTab(gw);
  }, 60_000);

  afterAll(async () => {
    await tab?.close();
    await gw?.close();
  });

  it('is an audio call: the softphone says "Video unavailable: <reason>" and the audio connects', async () => {
    const { softphone } = tab;
    await ringAndAnswer(gw, softphone, 'camera');
    await eventually(async () => (await softphone.getAttribute('data-media')) === 'connected', 10_000, 'the audio path');
    expect(await softphone.getAttribute('data-video')).toBe('unavailable');
    await expect(softphone.locator('.video-problem').textContent()).resolves.toMatch(/^Video unavailable: ffmpeg exited/);
    expect(await softphone.locator('.picture').isHidden()).toBe(true);
    await hangUp(gw, softphone);
  }, 40_000);
});
