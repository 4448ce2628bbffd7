import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '../support/fixtures.ts';
import { GATEWAY_URL } from '../support/environment.ts';
import { signInPage, storeSettings } from '../support/camera.ts';
import { expectCallState, reading } from '../support/softphone.ts';

/** A page on another origin that only loads dist/camgate.js from the gateway. */
function embeddingPage(username: string, password: string): string {
  const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Embedded softphone</title>
<script type="module" src="${GATEWAY_URL}/camgate.js"></script></head>
<body><h1>Front door</h1>
<camgate-softphone gateway="${GATEWAY_URL}" username="${attribute(username)}" password="${attribute(password)}"></camgate-softphone>
</body></html>`;
}

test.describe('the softphone embedded in another site', () => {
  let server: http.Server;
  let origin = '';
  let html = '';

  test.beforeAll(async () => {
    server = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  test.afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('calls the camera across origins with a named account made on the camera page', async ({ page, request }) => {
    await storeSettings(request, { pin: '', audioMode: 'listen' });

    // The admin keeps an account for the front-door page; the gateway shows the code to paste.
    await signInPage(page);
    const accounts = page.locator('camgate-softphone-accounts');
    await accounts.getByLabel('Account user name').fill('Front Door');
    await accounts.getByLabel('Account password').fill('short');
    await accounts.getByRole('button', { name: 'Save account' }).click();
    await expect(accounts.getByLabel('Account user name')).toHaveAccessibleDescription(/lower-case letters/);
    await expect(accounts.getByLabel('Account password')).toHaveAccessibleDescription(/at least 8 characters/);
    await accounts.getByLabel('Account user name').fill('frontdoor');
    await accounts.getByLabel('Account password').fill('front-door-pass');
    await accounts.getByRole('button', { name: 'Save account' }).click();
    await expect(accounts.getByRole('cell', { name: 'frontdoor', exact: true })).toBeVisible();
    const snippet = accounts.getByLabel('Embed code for frontdoor', { exact: true });
    await expect(snippet).toContainText(`<script type="module" src="${GATEWAY_URL}/camgate.js"></script>`);
    await expect(snippet).toContainText(`<camgate-softphone gateway="${GATEWAY_URL}" username="frontdoor" password="PASSWORD" camera="camera">`);
    html = embeddingPage('frontdoor', 'front-door-pass');

    await page.goto(origin);
    // This browser is signed in to the camera, yet the other site cannot use that session.
    const apiAnswer = await page.evaluate(async (gateway) => {
      try {
        return (await fetch(`${gateway}/api/cameras/camera/status`, { credentials: 'include' })).status;
      } catch {
        return 'blocked';
      }
    }, GATEWAY_URL);
    expect(apiAnswer).toBe('blocked');
    const softphone = page.locator('camgate-softphone');
    await softphone.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(softphone, 'in-call');
    await expect.poll(reading(softphone, 'received-level'), { timeout: 20_000 }).toBeGreaterThan(0.01);
    // No PIN: straight to the menu; the call's audio mode arrives over socket.io from the gateway's origin.
    await expect(softphone.getByRole('button', { name: 'Listen' })).toHaveAttribute('aria-pressed', 'true');
    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(softphone, 'ended');
  });
});
