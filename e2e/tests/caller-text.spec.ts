import { expect, test } from '../support/fixtures.ts';
import { signInPage, storeSettings } from '../support/camera.ts';
import { callWithSipp, HOSTILE_CALLER, SIPP_SCENARIOS } from '../support/sipp.ts';

// Whatever a caller puts in its name or address reaches the camera UI as text only
// (the page guard also fails the test on any alert()).
test('a caller’s markup appears in the refused calls and as last caller as plain text', async ({ page, request }) => {
  await storeSettings(request, { acceptedCallers: ['sip:someone-else@example.org'] });
  await callWithSipp(SIPP_SCENARIOS.hostileCaller);

  await signInPage(page);
  const row = page.locator('table[aria-labelledby="refused-heading"] tbody tr').first();
  await expect(row.getByRole('cell').nth(4)).toHaveText(HOSTILE_CALLER);
  await expect(row.getByRole('cell').nth(2)).toHaveText('rejected');
  const dialog = page.locator('camgate-incoming-calls');
  await expect(dialog.getByRole('status', { name: 'Last caller' })).toHaveText(HOSTILE_CALLER);
  // No element came out of it, anywhere in the page's shadow trees.
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator('camgate-camera-page img')).toHaveCount(0);
});
