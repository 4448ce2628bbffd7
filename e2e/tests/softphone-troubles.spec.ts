import { expect, test } from '../support/fixtures.ts';
import { signInApi, signInPage, storeSettings } from '../support/camera.ts';
import { startSecondGateway, type SecondGateway } from '../support/second-gateway.ts';
import { expectCallState, pressKeys, reading } from '../support/softphone.ts';
import type { CameraStatus } from '@camgate/protocol';

/** What the camera page's softphone calls as, seen from a browser on 127.0.0.1. */
const PAGE_IDENTITY = 'sip:admin@127.0.0.1';

// Issue #13: following the security advice must not break the page's own softphone, and every
// failure must say what the person can do about it.
test.describe('softphone troubles, in words a person can act on', () => {
  test('the page calls as the admin’s own address, which the accepted list can name', async ({ page, request }) => {
    await storeSettings(request, { pin: '', audioMode: 'none', acceptedCallers: ['sip:someone-else@example.org'] });
    await signInPage(page);
    const softphone = page.locator('camgate-softphone');
    await softphone.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(softphone, 'ended');
    await expect(softphone).toHaveAttribute('data-call-end', 'not-accepted');
    await expect(softphone.getByRole('alert')).toContainText(`does not accept calls from ${PAGE_IDENTITY}`);

    // The dialog says which address this browser calls as, and adds it in one click.
    const dialog = page.locator('camgate-incoming-calls');
    await expect(dialog.getByRole('status', { name: 'This browser calls as' })).toHaveText(PAGE_IDENTITY);
    await expect(dialog.getByRole('status', { name: 'Last caller' })).toHaveText(PAGE_IDENTITY);
    await dialog.getByRole('button', { name: 'Add this browser' }).click();
    await expect(dialog.getByLabel('Accepted phone numbers and SIP addresses')).toHaveValue(`sip:someone-else@example.org\n${PAGE_IDENTITY}`);
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();

    // Another page load (before: a new throw-away identity each time) still gets through.
    await page.reload();
    await expect(page.locator('.live')).toHaveText('Live');
    await softphone.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(softphone, 'in-call');
    await expect(softphone).toHaveAttribute('data-media', 'connected');
    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(softphone, 'ended');
  });

  test('a wrong softphone password is not "not on the list"', async ({ page, request }) => {
    await storeSettings(request, { pin: '', audioMode: 'none' });
    await signInPage(page);
    // An embedded softphone whose password is wrong.
    await page.evaluate(`{
      const wrong = document.createElement('camgate-softphone');
      wrong.id = 'wrong';
      wrong.setAttribute('username', 'admin');
      wrong.setAttribute('password', 'not-the-password');
      document.body.prepend(wrong);
    }`);
    const softphone = page.locator('camgate-softphone#wrong');
    await softphone.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(softphone, 'ended');
    await expect(softphone).toHaveAttribute('data-call-end', 'wrong-credentials');
    await expect(softphone.getByRole('alert')).toContainText('wrong user name or password');
  });

  test('without a microphone the call goes on listen-only and says so', async ({ page, request }) => {
    await storeSettings(request, { pin: '', audioMode: 'none' });
    // As on a computer without any microphone.
    await page.addInitScript({
      content: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));`,
    });
    await signInPage(page);
    const softphone = page.locator('camgate-softphone');
    await softphone.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(softphone, 'in-call');
    await expect(softphone.getByRole('status').filter({ hasText: 'Listen only' })).toContainText('no microphone was found');
    // The welcome message arrives over the receive-only audio.
    await expect.poll(reading(softphone, 'received-level'), { timeout: 20_000 }).toBeGreaterThan(0.01);
    await expect(softphone).toHaveAttribute('data-media', 'connected');
    // The keys still reach the camera.
    await pressKeys(softphone, '4');
    await expect(softphone.getByRole('log')).toContainText('four: date and time');
    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(softphone, 'ended');
    await expect(softphone.getByRole('alert')).toHaveCount(0);
  });

  test.describe('a gateway that announces an address nothing answers at', () => {
    // 127.9.9.9 is loopback, but the gateway listens on 127.0.0.1 only: ICE checks get no answer.
    const UNREACHABLE = '127.9.9.9';
    let second: SecondGateway;

    test.beforeAll(async () => {
      second = await startSecondGateway({ CAMGATE_ANNOUNCED_IP: UNREACHABLE });
    });
    test.afterAll(async () => {
      await second?.stop();
    });

    test('shows the failed audio path within seconds, names the address and hangs up', async ({ page, playwright }) => {
      const api = await playwright.request.newContext({ baseURL: second.url });
      await signInApi(api);
      await signInPage(page, `${second.url}/cameras/camera`);
      const softphone = page.locator('camgate-softphone');
      await softphone.getByRole('button', { name: 'Call', exact: true }).click();
      await expectCallState(softphone, 'in-call');
      const connectedAt = Date.now();
      await expect(softphone.getByText('Audio: connecting…')).toBeVisible();

      await expectCallState(softphone, 'ended', 10_000);
      expect(Date.now() - connectedAt).toBeLessThan(10_000);
      await expect(softphone).toHaveAttribute('data-call-end', 'no-audio-path');
      await expect(softphone).toHaveAttribute('data-media', 'failed');
      await expect(softphone.getByRole('alert')).toContainText(`the announced address ${UNREACHABLE} cannot be reached`);
      await expect(softphone.getByRole('alert')).toContainText('--announced-ip');
      // Hung up cleanly: the gateway has no call left.
      await expect
        .poll(async () => ((await (await api.get('/api/cameras/camera/status')).json()) as CameraStatus).calls.length, { timeout: 5000 })
        .toBe(0);
      await api.dispose();
    });
  });
});
