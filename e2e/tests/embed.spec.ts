import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { GATEWAY_URL } from '../support/environment.ts';
import { softphoneCredentials, storeSettings } from '../support/camera.ts';
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

  test('calls the camera across origins with its own SIP account', async ({ page, request }) => {
    await storeSettings(request, { pin: '', audioMode: 'listen' });
    const credentials = await softphoneCredentials(request);
    html = embeddingPage(credentials.username, credentials.password);

    await page.goto(origin);
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
