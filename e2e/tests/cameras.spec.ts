import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '../support/fixtures.ts';
import type { CameraView, SettingsView } from '@camgate/protocol';
import { SCREENSHOT_DIR, SIP_PORT } from '../support/environment.ts';
import { signInApi, signInPage, storeSettings } from '../support/camera.ts';
import { expectCallState } from '../support/softphone.ts';

// Issue #11: many cameras. The list at `/` (add, rename, remove after confirming, live
// state per camera), each camera's page at `/cameras/<id>` (surviving a reload), settings
// per camera.
test.describe('camera list', () => {
  test.beforeEach(async ({ request }) => {
    await storeSettings(request);
    // A camera left by an earlier failed run would make the ids clash.
    for (const id of ['porch', 'yard']) await request.delete(`/api/cameras/${id}/`);
  });

  test('adds, renames, opens and removes cameras; each page holds its own camera', async ({ page, request }) => {
    await signInPage(page, '/');
    const list = page.getByRole('list', { name: 'Cameras' });
    await expect(list.locator('[data-camera="camera"] [data-role="sip-address"]')).toHaveText(new RegExp(`^sip:camera@[\\d.]+:${SIP_PORT}$`));

    // Add two cameras through the form.
    for (const [id, name] of [['porch', 'Porch'], ['yard', 'Back yard']] as const) {
      await page.getByLabel(/^Id/).fill(id);
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByRole('button', { name: 'Add camera' }).click();
      await expect(list.locator(`[data-camera="${id}"] [data-role="camera-name"]`)).toHaveText(name);
    }
    await expect(list.locator('[data-camera="porch"] [data-role="sip-address"]')).toHaveText(new RegExp(`^sip:porch@[\\d.]+:${SIP_PORT}$`));
    await expect(list.locator('[data-camera="porch"] img')).toHaveJSProperty('complete', true);

    // LED and call state are live per camera: a light on the porch shows there only.
    await expect(list.locator('[data-camera="porch"] [data-role="call-state"]')).toHaveText('no call');

    // Rename.
    await list.locator('[data-camera="yard"]').getByRole('button', { name: 'Rename' }).click();
    await list.locator('[data-camera="yard"]').getByLabel('Name', { exact: true }).fill('Garden');
    await list.locator('[data-camera="yard"]').getByRole('button', { name: 'Save' }).click();
    await expect(list.locator('[data-camera="yard"] [data-role="camera-name"]')).toHaveText('Garden');

    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'camera-list.png'), fullPage: true });

    // The porch's page, by its link; the deep link survives a reload.
    await list.locator('[data-camera="porch"] [data-role="camera-name"]').click();
    await expect(page).toHaveURL(/\/cameras\/porch$/);
    await page.reload();
    await expect(page.locator('.live')).toHaveText('Live');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Porch');
    await expect(page.locator('[data-role="sip-address"]')).toHaveText(/^sip:porch@/);

    // An output of the porch shows live on its page, and nowhere else.
    const light = page.locator('[data-output="light"] .output-state');
    await expect(light).toHaveAttribute('data-active', 'false');
    expect((await request.post('/api/cameras/porch/outputs/light/trigger')).ok()).toBe(true);
    await expect(light).toHaveAttribute('data-active', 'true');
    const defaultOutputs = (await (await request.get('/api/cameras/camera/outputs')).json()) as { name: string; active: boolean }[];
    expect(defaultOutputs.find((o) => o.name === 'light')!.active).toBe(false);

    // Settings set in the porch's dialog leave the default camera's alone.
    const dialog = page.locator('camgate-incoming-calls');
    await dialog.getByLabel('PIN', { exact: true }).fill('8642');
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect.poll(async () => ((await (await request.get('/api/cameras/porch/settings')).json()) as SettingsView).running.pin).toBe('8642');
    expect(((await (await request.get('/api/cameras/camera/settings')).json()) as SettingsView).running.pin).toBe('');

    // Remove, after confirming: the porch is gone, its page answers 404 behind.
    await page.getByRole('link', { name: 'All cameras' }).click();
    await expect(page).toHaveURL(/\/$/);
    const porch = list.locator('[data-camera="porch"]');
    await porch.getByRole('button', { name: 'Remove' }).click();
    const confirmation = porch.getByRole('group', { name: 'Confirm removing Porch' });
    await expect(confirmation).toContainText('Remove camera "Porch"? Its settings, messages, events and call log are deleted.');
    await confirmation.getByRole('button', { name: 'Remove camera' }).click();
    await expect(porch).toHaveCount(0);
    expect((await request.get('/api/cameras/porch/settings')).status()).toBe(404);
    // Keeping it instead leaves the camera.
    const yard = list.locator('[data-camera="yard"]');
    await yard.getByRole('button', { name: 'Remove' }).click();
    await yard.getByRole('button', { name: 'Keep' }).click();
    await expect(yard.getByRole('button', { name: 'Rename' })).toBeVisible();
    await signInApi(request);
    const cameras = (await (await request.get('/api/cameras')).json()) as CameraView[];
    expect(cameras.map((c) => c.id)).toEqual(['camera', 'yard']);
    await request.delete('/api/cameras/yard/');
  });

  test('a softphone account limited to chosen cameras calls those and is told why another refuses', async ({ page, request }) => {
    await request.delete('/api/softphone-accounts/porchonly');
    expect((await request.post('/api/cameras', { data: { id: 'porch', name: 'Porch' } })).ok()).toBe(true);
    await signInPage(page);
    const accounts = page.locator('camgate-softphone-accounts');
    await accounts.getByLabel('Account user name').fill('porchonly');
    await accounts.getByLabel('Account password').fill('porch-only-pass');
    // Limiting starts from this page's camera; nothing chosen is refused with the reason.
    await accounts.getByRole('radio', { name: 'Only these cameras' }).check();
    const choice = accounts.getByRole('group', { name: 'Cameras the account may call' });
    await expect(choice.getByRole('checkbox', { name: 'camera' })).toBeChecked();
    await choice.getByRole('checkbox', { name: 'camera' }).uncheck();
    await accounts.getByRole('button', { name: 'Save account' }).click();
    await expect(accounts.getByRole('group', { name: 'May call', exact: true })).toHaveAccessibleDescription(/Choose at least one camera/);
    await choice.getByRole('checkbox', { name: 'Porch' }).check();
    await accounts.getByRole('button', { name: 'Save account' }).click();
    const row = accounts.getByRole('row').filter({ has: page.getByRole('cell', { name: 'porchonly', exact: true }) });
    await expect(row.getByRole('cell', { name: 'Porch', exact: true })).toBeVisible();

    // Softphones embedded with the account: the porch answers, the default camera refuses in words.
    await page.evaluate(`{
      for (const camera of ['porch', 'camera']) {
        const phone = document.createElement('camgate-softphone');
        phone.id = 'to-' + camera;
        phone.setAttribute('username', 'porchonly');
        phone.setAttribute('password', 'porch-only-pass');
        phone.setAttribute('camera', camera);
        document.body.prepend(phone);
      }
    }`);
    const toPorch = page.locator('camgate-softphone#to-porch');
    await toPorch.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(toPorch, 'in-call');
    await toPorch.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(toPorch, 'ended');
    const toCamera = page.locator('camgate-softphone#to-camera');
    await toCamera.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(toCamera, 'ended');
    await expect(toCamera).toHaveAttribute('data-call-end', 'camera-not-allowed');
    await expect(toCamera.getByRole('alert')).toContainText('may not call this camera');
    await request.delete('/api/softphone-accounts/porchonly');
    await request.delete('/api/cameras/porch/');
  });
});
