import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIRequestContext } from '@playwright/test';
import { FACTORY_OUTGOING_CALLS } from '@camgate/protocol';
import type { OutputState } from '@camgate/protocol';
import { expect, test } from '../support/fixtures.ts';
import { GATEWAY_URL } from '../support/environment.ts';
import { signInPage, storeSettings } from '../support/camera.ts';
import { expectCallState, pressKeys, reading } from '../support/softphone.ts';

const ACCOUNT = { username: 'resident', password: 'resident-pass-1' };

/** The resident's page on another origin: the softphone with its account, so the camera can call it. */
const residentPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Resident</title>
<script type="module" src="${GATEWAY_URL}/camgate.js"></script></head>
<body><camgate-softphone gateway="${GATEWAY_URL}" username="${ACCOUNT.username}" password="${ACCOUNT.password}"></camgate-softphone></body></html>`;

async function doorbellRingsTheResident(request: APIRequestContext): Promise<void> {
  await storeSettings(request, { pin: '', audioMode: 'listen', welcomeMessageId: null });
  expect((await request.put(`/api/softphone-accounts/${ACCOUNT.username}`, { data: { password: ACCOUNT.password } })).ok()).toBe(true);
  const profile = { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, targets: [`softphone:${ACCOUNT.username}`], speakText: 'Someone is at the door.' };
  expect((await request.put('/api/cameras/camera/outgoing-calls', { data: { ...FACTORY_OUTGOING_CALLS, profiles: [profile] } })).ok()).toBe(true);
}

test.describe('the doorbell rings the resident\'s browser', () => {
  let server: http.Server;
  let origin = '';

  test.beforeAll(async () => {
    server = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(residentPage));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  test.afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('Ring on the camera page rings two registered tabs; answering in one stops the other; 1# opens the door', async ({ page, context, request }) => {
    await doorbellRingsTheResident(request);
    const first = await context.newPage();
    const second = await context.newPage();
    for (const tab of [first, second]) await tab.goto(origin);
    const [phoneA, phoneB] = [first.locator('camgate-softphone'), second.locator('camgate-softphone')];
    for (const phone of [phoneA, phoneB]) await expect(phone).toHaveAttribute('data-registration', 'registered');

    await signInPage(page);
    await page.getByRole('button', { name: 'Ring', exact: true }).click();
    // The camera page shows which targets ring; both tabs ring with the camera's name.
    await expect(page.locator('.call-out-target[data-state="ringing"]')).toBeVisible();
    for (const phone of [phoneA, phoneB]) {
      await expect(phone).toHaveAttribute('data-incoming', 'ringing');
      await expect(phone.getByRole('alertdialog', { name: 'Incoming call' })).toContainText('Incoming call from camera');
      await expect(phone.locator('.picture')).toBeHidden();
    }

    await phoneA.getByRole('button', { name: 'Answer' }).click();
    await expect(phoneB).not.toHaveAttribute('data-incoming', 'ringing'); // CANCEL reached the other tab
    await expectCallState(phoneA, 'in-call');
    // The answered call shows the camera's picture above the keypad, as a call the browser places does.
    await expect(phoneA).toHaveAttribute('data-video', 'playing');
    await expect(phoneA.locator('.picture video')).toBeVisible();
    await expect.poll(reading(phoneA, 'received-level'), { timeout: 20_000 }).toBeGreaterThan(0.01); // the spoken text, then the room
    await expect(page.locator('[data-role="call-outs"] li').first()).toContainText(`taken by softphone:${ACCOUNT.username}`);

    await pressKeys(phoneA, '1#');
    await expect
      .poll(async () => ((await (await request.get('/api/cameras/camera/outputs')).json()) as OutputState[]).find((o) => o.name === 'door')?.active, { timeout: 10_000 })
      .toBe(true);
    await phoneA.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(phoneA, 'ended');
  });

  test('Decline ends the ringing; the call-out says nobody answered', async ({ page, context, request }) => {
    await doorbellRingsTheResident(request);
    const tab = await context.newPage();
    await tab.goto(origin);
    const phone = tab.locator('camgate-softphone');
    await expect(phone).toHaveAttribute('data-registration', 'registered');
    await signInPage(page);
    await page.getByRole('button', { name: 'Ring', exact: true }).click();
    await expect(phone).toHaveAttribute('data-incoming', 'ringing');
    await phone.getByRole('button', { name: 'Decline' }).click();
    await expect(phone).not.toHaveAttribute('data-incoming', 'ringing');
    await expect(page.locator('[data-role="call-outs"] li').first()).toContainText('declined');
    await expect(page.locator('[data-role="call-outs"] li').first()).toContainText('nobody answered');
  });

  test('the Outgoing Calls dialog: field errors, Set, Factory and Restore fill the form only, Close offers to store', async ({ page, request }) => {
    await doorbellRingsTheResident(request);
    expect((await request.post('/api/cameras/camera/outgoing-calls/store')).ok()).toBe(true);
    await signInPage(page);
    await page.getByRole('button', { name: 'Outgoing Calls Settings' }).click();
    const dialog = page.locator('camgate-outgoing-calls');
    const targets = dialog.getByLabel('Call', { exact: true });
    await expect(targets).toHaveValue(`softphone:${ACCOUNT.username}`);

    await targets.fill('not a target');
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(targets).toHaveAttribute('aria-invalid', 'true');
    await expect(targets).toHaveAccessibleDescription(/SIP address/);

    await targets.fill(`softphone:${ACCOUNT.username}\nsip:frontdesk@127.0.0.1:5070`);
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByRole('status').filter({ hasText: 'active until the gateway restarts' })).toBeVisible();
    const running = async () => ((await (await request.get('/api/cameras/camera/outgoing-calls')).json()) as { running: { profiles: { targets: string[] }[] }; dirty: boolean });
    expect((await running()).running.profiles[0]!.targets).toEqual([`softphone:${ACCOUNT.username}`, 'sip:frontdesk@127.0.0.1:5070']);

    // Factory and Restore change the form, not the camera.
    await dialog.getByRole('button', { name: 'Factory' }).click();
    await expect(targets).toHaveValue('softphone:resident');
    await expect(dialog.getByLabel('Spoken text on answer')).toHaveValue(FACTORY_OUTGOING_CALLS.profiles[0]!.speakText);
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect(dialog.getByLabel('Spoken text on answer')).toHaveValue('Someone is at the door.');
    expect((await running()).dirty).toBe(true);

    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.getByRole('button', { name: 'Store', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Outgoing Calls Settings' })).toBeVisible();
    expect((await running()).dirty).toBe(false);
  });
});
