import { expect, test } from '../support/fixtures.ts';
import type { Locator } from '@playwright/test';
import type { Lockout } from '@camgate/protocol';
import { signInPage, storeSettings } from '../support/camera.ts';
import { expectCallState, pressKeys } from '../support/softphone.ts';

const PIN = '2580';
const TIME_ZONE = 'Pacific/Auckland';

/**
 * Types a wrong PIN (the dots show each key); when the camera is to ask again, waits until it
 * said "Wrong PIN." for the `attempt`-th time in this call.
 */
async function wrongPin(softphone: Locator, attempt: number, asksAgain: boolean): Promise<void> {
  await pressKeys(softphone, '111');
  await expect(softphone.locator('.pin-entry')).toHaveText('PIN: •••');
  await pressKeys(softphone, '#');
  if (asksAgain) await expect(softphone.getByRole('log').getByText('Wrong PIN.')).toHaveCount(attempt);
}

// A caller locked out after wrong PINs: the admin sees until when (in local time) and can unlock.
test.describe('PIN lock-outs', () => {
  test.use({ locale: 'en-US', timezoneId: TIME_ZONE });

  test.beforeEach(async ({ request }) => {
    await storeSettings(request, { pin: PIN, audioMode: 'none' });
  });

  test('five wrong PINs lock the softphone out; the admin sees until when and unlocks it', async ({ page, request }) => {
    await signInPage(page);
    const softphone = page.locator('camgate-softphone');
    const lockouts = page.locator('camgate-lockouts');
    const call = async () => {
      await softphone.getByRole('button', { name: 'Call', exact: true }).click();
      await expectCallState(softphone, 'in-call');
      await expect(softphone.locator('.pin-entry')).toHaveText('PIN: –');
    };
    await expect(lockouts).toContainText('No caller is locked out.');

    // Three wrong PINs end a call, two more in the next one lock it out.
    await call();
    for (const attempt of [1, 2, 3]) await wrongPin(softphone, attempt, attempt < 3);
    await expectCallState(softphone, 'ended');
    await call();
    for (const attempt of [1, 2]) await wrongPin(softphone, attempt, attempt < 2);
    await expectCallState(softphone, 'ended');
    await expect(softphone).toHaveAttribute('data-call-end', 'locked-out');

    // The list shows the caller and its address, until when in the browser's own time zone.
    const listed = (await (await request.get('/api/lockouts')).json()) as Lockout[];
    const caller = listed.find((l) => l.kind === 'caller')!;
    expect(caller.label).toBe('sip:admin@127.0.0.1 from 127.0.0.1');
    const localTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium', timeZone: TIME_ZONE }).format(caller.lockedUntil);
    await expect(lockouts.getByRole('listitem').filter({ hasText: caller.label })).toContainText(`until ${localTime}`);
    await expect(lockouts).not.toContainText(new Date(caller.lockedUntil).toISOString());

    for (const lockout of listed) await lockouts.getByRole('button', { name: `Unlock ${lockout.label}` }).click();
    await expect(lockouts).toContainText('No caller is locked out.');
    expect(await (await request.get('/api/lockouts')).json()).toEqual([]);

    // Unlocked: the camera asks for the PIN again, and the right one gets in.
    await call();
    await pressKeys(softphone, PIN);
    await expect(softphone.locator('.pin-entry')).toHaveText('PIN: ••••');
    await pressKeys(softphone, '#');
    await expect(softphone.getByRole('log')).toContainText('PIN accepted');
    await expect(softphone.locator('.pin-entry')).toHaveCount(0);
    await softphone.getByRole('button', { name: 'Hang up' }).click();
    await expectCallState(softphone, 'ended');
  });
});
