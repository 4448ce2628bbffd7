/** Test helpers that act as the camera's admin: through the REST API, or through the page. */
import { expect } from '@playwright/test';
import type { APIRequestContext, Page } from '@playwright/test';
import { FACTORY_SETTINGS } from '@camgate/protocol';
import type { IncomingCallsSettings, SettingsView } from '@camgate/protocol';
import { ADMIN_PASSWORD, ADMIN_USER } from './environment.ts';

async function ok(response: Awaited<ReturnType<APIRequestContext['get']>>): Promise<void> {
  if (!response.ok()) throw new Error(`${response.url()} answered ${response.status()}: ${await response.text()}`);
}

/** Signs the request context in as admin (the session cookie stays in the context). */
export async function signInApi(request: APIRequestContext): Promise<void> {
  await ok(await request.post('/api/login', { data: { username: ADMIN_USER, password: ADMIN_PASSWORD } }));
}

/** Makes `settings` (factory defaults plus the changes) both running and stored. */
export async function storeSettings(request: APIRequestContext, changes: Partial<IncomingCallsSettings> = {}): Promise<void> {
  await signInApi(request);
  await ok(await request.put('/api/cameras/camera/settings', { data: { ...structuredClone(FACTORY_SETTINGS), ...changes } }));
  await ok(await request.post('/api/cameras/camera/settings/store'));
}

export async function settingsView(request: APIRequestContext): Promise<SettingsView> {
  const response = await request.get('/api/cameras/camera/settings');
  await ok(response);
  return (await response.json()) as SettingsView;
}

/** Opens a page of the camera UI (default: the default camera's page, of the shared gateway) and signs in through its form. */
export async function signInPage(page: Page, url = '/cameras/camera'): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').fill(ADMIN_USER);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Live: the admin socket.io connection is up.
  await expect(page.locator('.live')).toHaveText('Live');
}
