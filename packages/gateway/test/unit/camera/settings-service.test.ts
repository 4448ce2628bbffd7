import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FACTORY_SETTINGS, type IncomingCallsSettings, type SettingsView } from '@camgate/protocol';
import { SettingsService, SettingsValidationError } from '../../../src/camera/settings-service.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { Store } from '../../../src/store/store.ts';

const logger = createLogger('silent');
const changed = (patch: Partial<IncomingCallsSettings>): IncomingCallsSettings => ({ ...FACTORY_SETTINGS, ...patch });

describe('SettingsService: Set / Factory / Restore / store (help page "Storing the Configuration")', () => {
  let dataDir: string;
  let store: Store;
  const clock = new FakeClock();

  const open = async () => {
    store = await Store.open(dataDir, logger);
    const camera = await store.camera('camera');
    await camera.audioMessages.putBuiltin({ id: 'welcome', name: 'Welcome', durationMs: 1000, wav: Buffer.alloc(4) }, 0);
    return new SettingsService(
      camera.settings,
      { messageExists: (id) => camera.audioMessages.exists(id), emailProfileExists: (id) => store.emailProfiles.exists(id) },
      clock,
      logger,
    );
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'camgate-settings-'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts from factory settings on a new camera', async () => {
    const service = await open();
    expect(service.running).toEqual(FACTORY_SETTINGS);
    expect(service.stored).toEqual(FACTORY_SETTINGS);
    expect(service.dirty).toBe(false);
  });

  it('Set changes the running settings only; they are lost on restart', async () => {
    const service = await open();
    const view = service.set(changed({ pin: '4711' }));
    expect(view.running.pin).toBe('4711');
    expect(view.stored.pin).toBe('');
    expect(view.dirty).toBe(true);
    await store.close();
    expect((await open()).running.pin).toBe('');
  });

  it('store() makes them permanent: a restart starts from them', async () => {
    const service = await open();
    service.set(changed({ pin: '4711', acceptedCallers: ['+49-30-123456'] }));
    expect((await service.store()).dirty).toBe(false);
    await store.close();
    const reopened = await open();
    expect(reopened.running).toMatchObject({ pin: '4711', acceptedCallers: ['+49-30-123456'] });
    expect(reopened.dirty).toBe(false);
  });

  it('has no way to change the running settings but Set: Factory and Restore only fill the dialog', async () => {
    const service = await open();
    service.set(changed({ pin: '1234' }));
    await service.store();
    service.set(changed({ pin: '5678' }));
    // What the dialog's Restore and Factory load into its form, without touching the camera.
    expect(service.view()).toMatchObject({ running: { pin: '5678' }, stored: { pin: '1234' }, dirty: true });
    expect(Object.getOwnPropertyNames(SettingsService.prototype)).not.toContain('factory');
    expect(Object.getOwnPropertyNames(SettingsService.prototype)).not.toContain('restore');
    expect(service.set(service.stored).dirty).toBe(false);
  });

  it('refuses invalid settings naming the field, and keeps the running ones', async () => {
    const service = await open();
    const attempt = (input: unknown) => {
      try {
        service.set(input);
      } catch (error) {
        return error;
      }
      throw new Error('expected a refusal');
    };
    const pin = attempt(changed({ pin: '12a4' })) as SettingsValidationError;
    expect(pin).toBeInstanceOf(ValidationError);
    expect(pin.field).toBe('pin');
    expect(pin.message).toContain('PIN must be empty or 4 to 12 digits');

    const nested = attempt({ ...FACTORY_SETTINGS, actions: { ...FACTORY_SETTINGS.actions, door: { mode: 'pulse', durationSeconds: 0, httpUrl: '' } } });
    expect((nested as ValidationError).field).toBe('actions.door.durationSeconds');

    const entry = attempt(changed({ acceptedCallers: ['ok', '<sip:bob@example.org>'] }));
    expect((entry as ValidationError).field).toBe('acceptedCallers.1');

    expect((attempt(changed({ welcomeMessageId: 'missing' })) as ValidationError).field).toBe('welcomeMessageId');
    expect((attempt(changed({ emailProfileId: 'missing' })) as ValidationError).field).toBe('emailProfileId');
    expect((attempt('not settings') as ValidationError).field).toBe('settings');
    expect(service.running).toEqual(FACTORY_SETTINGS);
  });

  it('warns about an empty accepted list and a missing PIN', async () => {
    const service = await open();
    expect(service.warnings).toHaveLength(2);
    service.set(changed({ pin: '4711', acceptedCallers: ['+4930123456'] }));
    expect(service.warnings).toEqual([]);
  });

  it('emits a typed change event for every action', async () => {
    const service = await open();
    const views: SettingsView[] = [];
    service.on('change', (view) => views.push(view));
    service.set(changed({ pin: '4711' }));
    await service.store();
    service.set(FACTORY_SETTINGS);
    expect(views.map((v) => [v.running.pin, v.dirty])).toEqual([
      ['4711', true],
      ['4711', false],
      ['', true],
    ]);
  });

  it('a corrupt stored row falls back to factory settings with a warning', async () => {
    (await open()).set(changed({ pin: '4711' }));
    await (await store.camera('camera')).settings.save(changed({ pin: '4711' }), 0);
    await store.db.run("UPDATE settings SET json = '{\"enabled\":\"yes\"}'");
    await store.close();
    expect((await open()).running).toEqual(FACTORY_SETTINGS);
    await store.db.run("UPDATE settings SET json = 'not json'");
    await store.close();
    expect((await open()).running).toEqual(FACTORY_SETTINGS);
  });

  it('running settings cannot be mutated behind the service\'s back', async () => {
    const service = await open();
    expect(() => {
      (service.running.acceptedCallers as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('knows which message and email profile the settings use', async () => {
    const service = await open();
    expect(service.uses({ messageId: 'welcome' })).toBe(true);
    expect(service.uses({ emailProfileId: 'office' })).toBe(false);
  });
});
