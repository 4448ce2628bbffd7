import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioMessage, CallLogEntry, CameraEvent, CameraView, LastCaller, SettingsView } from '@camgate/protocol';
import { createLogger } from '../../src/core/logger.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { Store } from '../../src/store/store.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';

/** A data directory written by the single-camera release (see its README). */
const FIXTURE = fileURLToPath(new URL('../fixtures/data-dir-v1', import.meta.url));

describe('upgrade: a single-camera data directory becomes camera "camera"', () => {
  let dataDir: string;
  let gw: TestGateway;
  const camera = '/api/cameras/camera';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'camgate-upgrade-'));
    await cp(join(FIXTURE, 'camgate.db'), join(dataDir, 'camgate.db'));
    gw = await startTestGateway([], dataDir);
  });
  afterAll(async () => {
    await gw?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every setting, message, event, the call log and the last caller', async () => {
    expect(await gw.api<CameraView[]>('GET', '/api/cameras')).toEqual([
      expect.objectContaining({ id: 'camera', name: 'camera', sipUser: 'camera', sipAddress: `sip:camera@127.0.0.1:${gw.sipPort}` }),
    ]);
    const settings = await gw.api<SettingsView>('GET', `${camera}/settings`);
    expect(settings.stored).toMatchObject({ pin: '2468', acceptedCallers: ['sip:baresip@127.0.0.1'], audioMode: 'none' });
    expect(settings.running).toEqual(settings.stored);
    const messages = await gw.api<AudioMessage[]>('GET', `${camera}/messages`);
    expect(messages.map((m) => m.name)).toEqual(['Welcome (built in)', 'Fixture greeting']);
    const greeting = messages.find((m) => m.name === 'Fixture greeting')!;
    const audio = await fetch(`${gw.baseUrl}${camera}/messages/${greeting.id}/audio`, { headers: { cookie: gw.cookie } });
    expect(audio.status).toBe(200);
    expect((await audio.arrayBuffer()).byteLength).toBe(1644);
    const events = await gw.api<CameraEvent[]>('GET', `${camera}/events`);
    expect(events.map((e) => e.kind)).toEqual(['call', 'door']);
    expect(events.every((e) => e.hasImage)).toBe(true);
    const image = await fetch(`${gw.baseUrl}${camera}/events/${events[1]!.id}/image`, { headers: { cookie: gw.cookie } });
    expect(image.headers.get('content-type')).toMatch(/^image\//);
    const log = await gw.api<CallLogEntry[]>('GET', `${camera}/calls`);
    expect(log).toEqual([expect.objectContaining({ caller: 'sip:baresip@127.0.0.1', outcome: 'completed' })]);
    expect(await gw.api<LastCaller>('GET', `${camera}/last-caller`)).toMatchObject({ caller: 'sip:baresip@127.0.0.1', answered: true });
  });

  it('answers at sip:camera@ as before, with the stored PIN', async () => {
    const phone = await Baresip.start();
    try {
      await phone.dial(gw.sipUri);
      await phone.waitForEvent('CALL_ESTABLISHED');
      await eventually(async () => (await gw.api<{ calls: { phase: string }[] }>('GET', `${camera}/status`)).calls[0]?.phase === 'pin', 15_000, 'PIN prompt');
      await phone.hangup();
      await phone.waitForEvent('CALL_CLOSED');
    } finally {
      await phone.close();
    }
    await eventually(async () => (await gw.api<CallLogEntry[]>('GET', `${camera}/calls`)).length === 2, 10_000, 'second call logged');
  });

  it('the schema is at the newest version', async () => {
    const store = await Store.open(dataDir, createLogger('silent'));
    try {
      expect(await store.db.get('SELECT max(version) AS version FROM migrations')).toEqual({ version: MIGRATIONS.at(-1)!.version });
    } finally {
      await store.close();
    }
  });
});
