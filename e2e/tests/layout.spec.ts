import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '../support/fixtures.ts';
import type { Page } from '@playwright/test';
import { SCREENSHOT_DIR } from '../support/environment.ts';
import { signInApi, signInPage, storeSettings } from '../support/camera.ts';
import { layoutReport } from '../support/layout.ts';
import { expectCallState } from '../support/softphone.ts';

const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

/** No horizontal scrolling, and every visible control inside the viewport's width. */
async function expectEverythingFits(page: Page, what: string): Promise<void> {
  const report = await layoutReport(page);
  expect(report.checked, `${what}: controls found`).toBeGreaterThan(0);
  expect(report.outside, `${what}: controls outside the ${report.viewportWidth} px viewport`).toEqual([]);
  expect(report.scrollWidth, `${what}: page width`).toBeLessThanOrEqual(report.viewportWidth);
}

// Issue #13: the settings dialog and the sign-in were cut off on a phone.
test.describe('layout on phone, tablet and desktop', () => {
  test.beforeEach(async ({ request }) => {
    await storeSettings(request, { pin: '', audioMode: 'none' });
    await signInApi(request);
    // A profile and a message, so their tables (the widest parts) are shown.
    await request.put('/api/email-profiles/layout-office', {
      data: { name: 'Office front desk', host: 'mail.example.org', port: 587, security: 'starttls', username: '', password: '',
        from: 'camera@example.org', to: ['owner@example.org', 'guard@example.org'], subject: 'Camera event' },
    });
  });
  test.afterEach(async ({ request }) => {
    await request.delete('/api/email-profiles/layout-office');
  });

  for (const viewport of VIEWPORTS) {
    test(`${viewport.name} (${viewport.width}×${viewport.height}): every control fits`, async ({ page }) => {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      // README screenshots of the phone layout (the desktop ones come from the other specs).
      const shoot = async (name: string, target: Page | ReturnType<Page['locator']> = page) => {
        if (viewport.name !== 'phone') return;
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name}-phone.png`);
        await ('goto' in target ? target.screenshot({ path: file, fullPage: true }) : target.screenshot({ path: file }));
      };

      await page.goto('/');
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await expectEverythingFits(page, 'sign-in');
      await shoot('sign-in');

      // The camera list (the page at `/`), then the default camera's page.
      await signInPage(page, '/');
      await expect(page.locator('[data-camera="camera"] [data-role="sip-address"]')).toBeVisible();
      await expectEverythingFits(page, 'camera list');
      await shoot('camera-list');

      await page.locator('[data-camera="camera"] [data-role="camera-name"]').click();
      await expect(page.locator('camgate-camera-page .live')).toHaveText('Live');
      const dialog = page.locator('camgate-incoming-calls');
      await dialog.getByRole('button', { name: 'Manage email profiles' }).click();
      await expect(dialog.getByRole('cell', { name: 'Office front desk', exact: true })).toBeVisible();
      await expectEverythingFits(page, 'camera page with the settings dialog');
      await shoot('incoming-calls-settings', dialog);

      // The softphone during a call.
      const softphone = page.locator('camgate-softphone');
      await softphone.getByRole('button', { name: 'Call', exact: true }).click();
      await expectCallState(softphone, 'in-call');
      await expect(softphone.getByText('Connected: choose a command')).toBeVisible();
      await expect(softphone).toHaveAttribute('data-media', 'connected');
      await expectEverythingFits(page, 'softphone in a call');
      await shoot('softphone-call', softphone);
      await softphone.getByRole('button', { name: 'Hang up' }).click();
      await expectCallState(softphone, 'ended');

      // The question Close asks.
      await dialog.getByLabel('Hang up call after (s)').fill('95');
      await dialog.getByRole('button', { name: 'Set', exact: true }).click();
      await dialog.getByRole('button', { name: 'Close' }).click();
      const question = page.getByRole('dialog', { name: 'Store the configuration permanently?' });
      await expect(question).toBeVisible();
      await expectEverythingFits(page, 'the store question');
      await question.getByRole('button', { name: "Don't store" }).click();

      await shoot('camera-page');
    });
  }
});
