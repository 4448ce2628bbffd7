import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '../support/fixtures.ts';
import { FACTORY_SETTINGS } from '@camgate/protocol';
import { SCREENSHOT_DIR } from '../support/environment.ts';
import { toneWav } from '../support/wav.ts';
import { settingsView, signInPage, storeSettings } from '../support/camera.ts';
import { startSmtpServer } from '../support/smtp.ts';

// Help page "Storing the Configuration": Set activates until reboot, Factory loads the
// defaults into the dialog, Restore loads what is stored (undoing what is not, once Set),
// Close offers to store what changed.
test.describe('Incoming Calls dialog', () => {
  test.beforeEach(async ({ request }) => {
    await storeSettings(request, { pin: '', acceptedCallers: [] });
  });

  test('validates each field with the protocol schema and warns about risky settings', async ({ page, request }) => {
    await signInPage(page);
    const dialog = page.locator('camgate-incoming-calls');
    const warnings = dialog.getByRole('status', { name: 'Warnings' });
    await expect(warnings).toContainText('The accepted list is empty');
    await expect(warnings).toContainText('No PIN is set');

    const pin = dialog.getByLabel('PIN', { exact: true });
    await pin.fill('12ab');
    await expect(pin).toHaveAttribute('aria-invalid', 'true');
    await expect(pin).toHaveAccessibleDescription(/PIN must be empty or 4 to 12 digits/);

    const accepted = dialog.getByLabel('Accepted phone numbers and SIP addresses');
    await accepted.fill('sip:alice@example.org\n<sip:bob@example.org>');
    await expect(accepted).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.locator('#f-acceptedCallers-error')).toHaveText(/^Line 2: /);

    // Set refuses the form and takes the person to the first bad field; nothing is sent.
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(accepted).toBeFocused();
    expect((await settingsView(request)).running.pin).toBe('');

    await accepted.fill('sip:alice@example.org\n+4930123456');
    await pin.fill('2468');
    await expect(pin).toHaveAttribute('aria-invalid', 'false');
    await expect(warnings).toHaveCount(0);

    // The PIN hides behind a toggle.
    await expect(pin).toHaveAttribute('type', 'password');
    await dialog.getByRole('button', { name: 'Show PIN' }).click();
    await expect(pin).toHaveAttribute('type', 'text');
  });

  test('Set, Restore, Factory and Close with the offer to store', async ({ page, request }) => {
    await signInPage(page);
    const dialog = page.locator('camgate-incoming-calls');
    const pin = dialog.getByLabel('PIN', { exact: true });
    const hangup = dialog.getByLabel('Hang up call after (s)');

    // Set: running changes, stored does not.
    await pin.fill('2468');
    await dialog.getByLabel('Audio mode').selectOption({ label: 'Intercom' });
    await hangup.fill('90');
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active until the gateway restarts')).toBeVisible();
    let view = await settingsView(request);
    expect(view.running).toMatchObject({ pin: '2468', audioMode: 'intercom', hangupAfterSeconds: 90 });
    expect(view.stored.pin).toBe('');
    expect(view.dirty).toBe(true);

    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await dialog.screenshot({ path: path.join(SCREENSHOT_DIR, 'incoming-calls-settings.png') });

    // Restore: the stored settings are loaded into the form; the camera runs on until Set.
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect(pin).toHaveValue('');
    await expect(hangup).toHaveValue('180');
    await expect(dialog.getByText('Press Set to apply them')).toBeVisible();
    view = await settingsView(request);
    expect(view.running).toMatchObject({ pin: '2468', hangupAfterSeconds: 90 });
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();
    view = await settingsView(request);
    expect(view.dirty).toBe(false);

    // Factory: the defaults are loaded into the form only; Set makes them running, not stored.
    await hangup.fill('45');
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();
    await dialog.getByRole('button', { name: 'Factory' }).click();
    await expect(hangup).toHaveValue(String(FACTORY_SETTINGS.hangupAfterSeconds));
    await expect(dialog.getByLabel('Audio mode')).toHaveValue(FACTORY_SETTINGS.audioMode);
    view = await settingsView(request);
    expect(view.running.hangupAfterSeconds).toBe(45);
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();
    view = await settingsView(request);
    expect(view.running).toEqual(FACTORY_SETTINGS);

    // Close with unstored changes asks; "Don't store" keeps them running only.
    await pin.fill('13579');
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const question = page.getByRole('dialog', { name: 'Store the configuration permanently?' });
    await expect(question).toBeVisible();
    await question.getByRole('button', { name: "Don't store" }).click();
    await expect(dialog).toHaveCount(0);
    view = await settingsView(request);
    expect(view.dirty).toBe(true);
    expect(view.stored.pin).toBe('');

    // Reopened, Close asks again; Store makes it permanent.
    await page.getByRole('button', { name: 'Incoming Calls Settings' }).click();
    await expect(pin).toHaveValue('13579');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await question.getByRole('button', { name: 'Store', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    view = await settingsView(request);
    expect(view.dirty).toBe(false);
    expect(view.stored.pin).toBe('13579');

    // Nothing changed: Close just closes.
    await page.getByRole('button', { name: 'Incoming Calls Settings' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(question).toBeHidden();
    await expect(dialog).toHaveCount(0);
  });

  test('manages email profiles and audio messages in place', async ({ page }) => {
    const smtp = await startSmtpServer();
    try {
      await signInPage(page);
      const dialog = page.locator('camgate-incoming-calls');

      await dialog.getByRole('button', { name: 'Manage email profiles' }).click();
      const profiles = dialog.locator('camgate-email-profiles');
      await profiles.getByRole('button', { name: 'Add email profile' }).click();
      await profiles.getByLabel('Profile name').fill('Office');
      await profiles.getByRole('button', { name: 'Save profile' }).click();
      await expect(profiles.getByLabel('SMTP server')).toHaveAttribute('aria-invalid', 'true');
      await profiles.getByLabel('SMTP server').fill('127.0.0.1');
      await profiles.getByLabel('Security').selectOption('none');
      await profiles.getByLabel('Port').fill(String(smtp.port));
      await profiles.getByLabel('From address').fill('camera@example.org');
      await profiles.getByLabel('To addresses (comma separated)').fill('owner@example.org');
      await profiles.getByRole('button', { name: 'Save profile' }).click();
      await expect(profiles.getByRole('cell', { name: 'Office', exact: true })).toBeVisible();

      // "Send test email" goes through the real SMTP server and says so at the profile's row.
      await profiles.getByRole('button', { name: 'Send test email with Office' }).click();
      await expect(profiles.getByRole('status')).toHaveText('Test email sent to owner@example.org.');
      await expect.poll(() => smtp.recipients).toEqual(['owner@example.org']);
      // A server that is gone: its error is shown, at the row.
      await smtp.close();
      await profiles.getByRole('button', { name: 'Send test email with Office' }).click();
      await expect(profiles.getByRole('alert')).toContainText('The mail server did not take the test email');
      await expect(profiles.getByRole('button', { name: 'Send test email with Office' })).toHaveAccessibleDescription(/ECONNREFUSED/);

      // The new profile can be chosen for key 5 right away.
      await dialog.getByLabel('Email profile').selectOption({ label: 'Office' });
      await profiles.getByRole('button', { name: 'Delete Office' }).click();
      await expect(profiles.getByRole('cell', { name: 'Office', exact: true })).toHaveCount(0);
    } finally {
      await smtp.close();
    }
  });

  test('manages audio messages in place; the welcome message in use cannot be deleted, said at its row', async ({ page }) => {
    await signInPage(page);
    const dialog = page.locator('camgate-incoming-calls');

    // Upload a WAV, rename it, delete it.
    const messages = dialog.locator('camgate-audio-messages');
    await messages.getByLabel('New message name').fill('E2E chime');
    await messages.getByLabel('WAV file').setInputFiles({ name: 'chime.wav', mimeType: 'audio/wav', buffer: toneWav({ frequencyHz: 660, seconds: 0.5, amplitude: 0.25, sampleRate: 8000 }) });
    await messages.getByRole('button', { name: 'Upload' }).click();
    await expect(messages.getByRole('cell', { name: 'E2E chime', exact: true })).toBeVisible();
    await expect(dialog.getByLabel('Welcome message').locator('option', { hasText: 'E2E chime' })).toHaveCount(1);
    await messages.getByRole('button', { name: 'Rename E2E chime' }).click();
    await messages.getByLabel('New name for E2E chime').fill('E2E bell');
    await messages.getByRole('button', { name: 'Save name' }).click();
    await expect(messages.getByRole('cell', { name: 'E2E bell', exact: true })).toBeVisible();
    // In use as the welcome message: the refusal is said at its row, as a sentence.
    await dialog.getByLabel('Welcome message').selectOption({ label: 'E2E bell' });
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();
    await messages.getByRole('button', { name: 'Delete E2E bell' }).click();
    const refusal = messages.getByRole('alert');
    await expect(refusal).toHaveText('“E2E bell” is the welcome message in use. Choose another welcome message and press Set, then delete it.');
    await expect(messages.getByRole('button', { name: 'Delete E2E bell' })).toHaveAccessibleDescription(/welcome message in use/);
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await dialog.getByRole('button', { name: 'Set', exact: true }).click();
    await expect(dialog.getByText('The settings are active')).toBeVisible();
    await messages.getByRole('button', { name: 'Delete E2E bell' }).click();
    await expect(messages.getByRole('cell', { name: 'E2E bell', exact: true })).toHaveCount(0);
    await expect(refusal).toHaveCount(0);

    // Record one from the (fake) microphone: MediaRecorder, decoded and re-encoded as WAV.
    await messages.getByLabel('New message name').fill('E2E recording');
    await messages.getByRole('button', { name: 'Record' }).click();
    await expect(messages.getByText('Recording 0:01')).toBeVisible();
    await messages.getByRole('button', { name: 'Stop and save' }).click();
    const recorded = messages.getByRole('row', { name: /E2E recording/ });
    await expect(recorded).toBeVisible();
    await expect(recorded.getByRole('cell').nth(1)).toHaveText(/^0:0[1-3]$/);
    await messages.getByRole('button', { name: 'Delete E2E recording' }).click();
    await expect(recorded).toHaveCount(0);
  });
});

