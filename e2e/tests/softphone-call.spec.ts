import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '../support/fixtures.ts';
import { CAMERA_MIC_HZ, SCREENSHOT_DIR } from '../support/environment.ts';
import { signInPage, storeSettings } from '../support/camera.ts';
import { expectCallState, pressKeys, reading } from '../support/softphone.ts';

const PIN = '2580';
/** An FFT bin at 48 kHz / 2048 is 23.4 Hz wide. */
const FREQUENCY_TOLERANCE_HZ = 50;

// Help page "Camera Remote Control": call, welcome, PIN, a digit selects and is spoken back,
// # runs it; the audio mode can change during the call.
test.describe('a call from the browser softphone', () => {
  test.beforeEach(async ({ request }) => {
    await storeSettings(request, {
      pin: PIN,
      audioMode: 'none',
      actions: {
        door: { mode: 'pulse', durationSeconds: 30, httpUrl: '' },
        light: { mode: 'toggle', durationSeconds: 60, httpUrl: '' },
      },
    });
  });

  test('welcome, PIN, door opener, Listen, hang up', async ({ page }) => {
    await signInPage(page);
    const softphone = page.locator('camgate-softphone');
    const captions = softphone.getByRole('log');

    await softphone.getByRole('button', { name: 'Call', exact: true }).click();
    await expectCallState(softphone, 'in-call');

    // The welcome message is heard, and the browser's microphone is live.
    await expect.poll(reading(softphone, 'received-level'), { timeout: 20_000 }).toBeGreaterThan(0.01);
    await expect.poll(reading(softphone, 'mic-level')).toBeGreaterThan(0.01);
    await expect(captions).toContainText('Please enter your PIN');

    // PIN: two digits on screen, two on the keyboard (focus is in the softphone), then #.
    await pressKeys(softphone, PIN.slice(0, 2));
    await page.keyboard.press(PIN[2]!);
    await page.keyboard.press(PIN[3]!);
    await pressKeys(softphone, '#');
    await expect(captions).toContainText('PIN accepted');
    await expect(softphone.getByRole('button', { name: 'No audio' })).toHaveAttribute('aria-pressed', 'true');
    await expect(softphone.locator('[data-role="time-left"]')).toHaveText(/^[23]:\d\d$/);

    // 1 selects the door opener and the camera says so; # runs it.
    await pressKeys(softphone, '1');
    await expect(captions).toContainText('one: door opener');
    await pressKeys(softphone, '#');
    await expect(page.locator('[data-output="door"] .output-state')).toHaveText('active');

    // Listen: the camera's microphone (a 1 kHz tone) reaches the caller.
    const listen = softphone.getByRole('button', { name: 'Listen' });
    await listen.click();
    await expect(listen).toHaveAttribute('aria-pressed', 'true');
    await expect
      .poll(reading(softphone, 'received-frequency'), { timeout: 20_000 })
      .toBeGreaterThan(CAMERA_MIC_HZ - FREQUENCY_TOLERANCE_HZ);
    expect(await reading(softphone, 'received-frequency')()).toBeLessThan(CAMERA_MIC_HZ + FREQUENCY_TOLERANCE_HZ);

    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await softphone.screenshot({ path: path.join(SCREENSHOT_DIR, 'softphone-call.png') });

    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(softphone, 'ended');
    await expect(softphone.getByRole('status').first()).toHaveText('The call has ended.');
    await expect(softphone.getByRole('alert')).toHaveCount(0);

    // The call is logged, and the softphone is the last caller, ready to be accepted.
    await expect(page.locator('table[aria-labelledby="log-heading"] tbody tr').first()).toContainText('door');
    const dialog = page.locator('camgate-incoming-calls');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Incoming Calls Settings' }).click();
    const lastCaller = await dialog.getByRole('status', { name: 'Last caller' }).textContent();
    await dialog.getByRole('button', { name: 'Add last caller' }).click();
    await expect(dialog.getByLabel('Accepted phone numbers and SIP addresses')).toHaveValue(lastCaller!.trim());
  });

  test('keyboard only: Tab to Call, Enter, keys, Enter hangs up; the keypad names its keys', async ({ page, request }) => {
    await storeSettings(request, { pin: '', audioMode: 'none' });
    await signInPage(page);
    const softphone = page.locator('camgate-softphone');
    for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']) {
      await expect(softphone.getByRole('button', { name: key, exact: true })).toHaveCount(1);
    }

    const call = softphone.getByRole('button', { name: 'Call', exact: true });
    const hangUp = softphone.getByRole('button', { name: 'Hang up' });
    for (let presses = 0; presses < 25 && !(await call.evaluate((button) => button.matches(':focus'))); presses++) {
      await page.keyboard.press('Tab');
    }
    await expect(call).toBeFocused();
    await page.keyboard.press('Enter');
    // The focus follows to Hang up, so the keys go to the call.
    await expect(hangUp).toBeFocused();
    await expectCallState(softphone, 'in-call');
    await expect(softphone.getByRole('button', { name: 'No audio' })).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('4');
    await expect(softphone.getByRole('log')).toContainText('four: date and time');
    await page.keyboard.press('Enter');
    await expectCallState(softphone, 'ended');
    await expect(call).toBeFocused();
  });
});
