/**
 * Issue #14: the doorbell rings the resident's embedded softphone with the camera's name, and
 * the answered call shows the camera's live picture above the keypad, as a call the browser
 * places does. The camera calls late-offer (INVITE without SDP): the softphone's 200 OK
 * offers to receive video, the gateway's ACK answers it with the camera's stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTORY_OUTGOING_CALLS, type CameraStatus } from '@camgate/protocol';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { playingSoftphoneFrame, SOFTPHONE_CHROMIUM_ARGS } from '../support/live-view-page.ts';

const ACCOUNT = { username: 'resident', password: 'resident-pass-1' };

describe('the doorbell rings an embedded softphone, which shows the camera once answered', () => {
  let gw: TestGateway;
  let server: http.Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    gw = await startTestGateway(['--camera-name', 'front door']);
    await gw.api('PUT', `/api/softphone-accounts/${ACCOUNT.username}`, { password: ACCOUNT.password });
    const profile = { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, targets: [`softphone:${ACCOUNT.username}`], speakText: '', messageId: null };
    await gw.api('PUT', '/api/cameras/camera/outgoing-calls', { ...FACTORY_OUTGOING_CALLS, profiles: [profile] });
    // The resident's own page, on another origin, with no admin session: only the account.
    const residentPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Resident</title>
<script type="module" src="${gw.baseUrl}/camgate.js"></script></head>
<body><camgate-softphone gateway="${gw.baseUrl}" username="${ACCOUNT.username}" password="${ACCOUNT.password}"></camgate-softphone></body></html>`;
    server = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(residentPage));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: SOFTPHONE_CHROMIUM_ARGS });
    page = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await gw?.close();
  });

  it('rings with the camera name, then plays the live picture above the keypad with the audio connected', async () => {
    const softphone = page.locator('camgate-softphone');
    await eventually(async () => (await softphone.getAttribute('data-registration')) === 'registered', 15_000, 'the softphone to register');
    await gw.api('POST', '/api/cameras/camera/bell');
    await eventually(async () => (await softphone.getAttribute('data-incoming')) === 'ringing', 15_000, 'the softphone to ring');
    await expect(softphone.getByRole('alertdialog', { name: 'Incoming call' }).textContent()).resolves.toContain('Incoming call from front door');
    expect(await softphone.locator('.picture').isHidden()).toBe(true); // no picture before the call is taken

    const answeredAt = Date.now();
    await softphone.getByRole('button', { name: 'Answer' }).click();
    await eventually(async () => (await softphone.getAttribute('data-call-state')) === 'in-call', 15_000, 'the call to be taken');
    const first = await playingSoftphoneFrame(page, 'the first decoded frame of the answered call', answeredAt);
    expect(first).toMatchObject({ width: 640, height: 360 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await playingSoftphoneFrame(page, 'a later frame', answeredAt);
    expect(later.timestamp).toBeGreaterThan(first.timestamp);
    expect(await softphone.locator('.picture').isVisible()).toBe(true);
    await eventually(async () => (await softphone.getAttribute('data-media')) === 'connected', 10_000, 'the audio path');
    await eventually(async () => (await softphone.getAttribute('data-video')) === 'playing', 10_000, 'the softphone to say it plays');

    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await eventually(async () => (await softphone.getAttribute('data-call-state')) === 'ended', 10_000, 'the call to end');
    expect(await softphone.locator('.picture').isHidden()).toBe(true);
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'the camera to hang up too');
  }, 60_000);
});
