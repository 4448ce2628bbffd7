import { expect, test } from '../support/fixtures.ts';
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_PASSWORD, SCREENSHOT_DIR, SIP_PORT } from '../support/environment.ts';
import { signInPage, storeSettings } from '../support/camera.ts';

test.describe('camera UI page', () => {
  test.beforeEach(async ({ request }) => {
    await storeSettings(request, { actions: { door: { mode: 'pulse', durationSeconds: 20, httpUrl: '' }, light: { mode: 'toggle', durationSeconds: 60, httpUrl: '' } } });
  });

  test('refuses a wrong password and signs in with the right one', async ({ page }) => {
    await page.goto('/cameras/camera');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong user name or password.');

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('.live')).toHaveText('Live');
    await expect(page.locator('[data-role="sip-address"]')).toHaveText(new RegExp(`^sip:camera@[\\d.]+:${SIP_PORT}$`));
    // No SIP provider is configured here; the stored settings have neither PIN nor accepted list.
    await expect(page.locator('[data-role="registration"]')).toHaveAttribute('data-state', 'disabled');
    await expect(page.locator('[data-role="registration"]')).toContainText('not used');
    const warnings = page.getByRole('status', { name: 'Camera warnings' });
    await expect(warnings).toContainText('The accepted list is empty');
    await expect(warnings).toContainText('No PIN is set');
    await expect(page.getByRole('heading', { name: 'Incoming Calls Settings' })).toBeVisible();

    // The session survives a reload; signing out ends it.
    await page.reload();
    await expect(page.locator('.live')).toHaveText('Live');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });

  test('has a favicon, served by the gateway', async ({ page, request }) => {
    await page.goto('/');
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toBeTruthy();
    const icon = await request.get(new URL(href!, page.url()).href);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toContain('image/svg+xml');
    expect(await icon.text()).toContain('<svg');
  });

  test('shows outputs and events live, as another client changes them', async ({ page, request }) => {
    await signInPage(page);
    const light = page.locator('[data-output="light"] .output-state');
    const initiallyActive = (await light.getAttribute('data-active')) === 'true';

    // Another admin (the API client, signed in by beforeEach) toggles the light: the page hears it over socket.io.
    const response = await request.post('/api/cameras/camera/outputs/light/trigger');
    expect(response.ok()).toBe(true);
    await expect(light).toHaveAttribute('data-active', String(!initiallyActive));
    await expect(page.locator('.events')).toContainText('light');
    await expect(page.locator('[data-role="last-event"]')).not.toHaveText('none');

    // The page's own button runs the door opener's action profile (a 20 s pulse).
    await page.getByRole('button', { name: 'Trigger door opener' }).click();
    await expect(page.locator('[data-output="door"] .output-state')).toHaveText('active');
    await expect(page.locator('.events img').first()).toBeVisible();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'camera-page.png'), fullPage: true });

    // Put the light back as it was.
    await request.post('/api/cameras/camera/outputs/light/trigger');
    await expect(light).toHaveAttribute('data-active', String(initiallyActive));
  });
});
