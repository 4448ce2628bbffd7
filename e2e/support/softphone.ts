/** Reading the softphone the way its user (and its `data-*` readings) would. */
import { expect } from '@playwright/test';
import type { Locator } from '@playwright/test';

/** A numeric `data-*` reading of the softphone's level controller. */
export function reading(softphone: Locator, name: 'received-level' | 'mic-level' | 'received-frequency'): () => Promise<number> {
  return async () => Number((await softphone.getAttribute(`data-${name}`)) ?? 'NaN');
}

export async function pressKeys(softphone: Locator, keys: string): Promise<void> {
  for (const key of keys) await softphone.getByRole('button', { name: key, exact: true }).click();
}

export async function expectCallState(softphone: Locator, state: string, timeout = 30_000): Promise<void> {
  await expect(softphone).toHaveAttribute('data-call-state', state, { timeout });
}
