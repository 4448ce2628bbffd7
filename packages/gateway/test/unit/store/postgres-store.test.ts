/** What only a server store has: several nodes on one database, and the server going away. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FACTORY_SETTINGS, type EmailProfile } from '@camgate/protocol';
import { EventRecorder } from '../../../src/camera/device/event-recorder.ts';
import { SimulatedSnapshotSource } from '../../../src/camera/device/snapshot-source.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { DatabaseUnavailableError } from '../../../src/store/outbox.ts';
import { Store } from '../../../src/store/store.ts';
import { TestPostgres } from '../../support/postgres.ts';

const logger = createLogger('silent');
const PROFILE: EmailProfile = {
  id: 'office', name: 'Office', host: 'smtp.example.com', port: 587, security: 'starttls',
  username: 'cam', password: 's3cret', from: 'cam@example.com', to: ['a@example.com'], subject: 'Event',
};

/** What `pending` comes to within `ms`, or 'still waiting'. */
const within = <T>(pending: Promise<T>, ms: number): Promise<T | 'still waiting'> =>
  Promise.race([pending, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

describe('Store on PostgreSQL', () => {
  let server: TestPostgres;
  let url: string;
  const stores: Store[] = [];
  const open = async () => {
    const store = await Store.open('/nonexistent-data-dir', logger, url);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await TestPostgres.start();
  }, 60_000);
  beforeEach(async () => {
    url = await server.createDatabase();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a second node sees the accounts, sessions and email profiles the first one writes', async () => {
    const [a, b] = [await open(), await open()];
    await a.softphoneAccounts.put({ username: 'gate', realm: 'camgate', password: 'pw', expiresAt: null }, 1);
    await a.adminSessions.add('token-1', 'admin', 100);
    await a.emailProfiles.put(PROFILE, 1);
    expect(b.softphoneAccounts.find('gate', 2)).toBeNull();
    await Promise.all([b.softphoneAccounts.refresh(), b.adminSessions.refresh(), b.emailProfiles.refresh()]);
    expect(b.softphoneAccounts.find('gate', 2)?.username).toBe('gate');
    expect(b.adminSessions.find('token-1', 2)).toBe('admin');
    expect(b.emailProfiles.get('office')).toEqual(PROFILE);
  });

  it('writes made while the server is down are kept in order and written once when it is back; reads say it is unreachable', async () => {
    const store = await open();
    const camera = await store.camera('camera');
    await camera.settings.save({ ...FACTORY_SETTINGS, pin: '1111' }, 1);
    await server.stop();
    // The first failed round trip marks it unreachable.
    await expect(camera.callLog.list(10)).rejects.toThrow();
    expect(store.health()).toMatchObject({ reachable: false });
    await expect(camera.callLog.list(10)).rejects.toBeInstanceOf(DatabaseUnavailableError);

    const writes = [
      camera.callLog.start('c1', 'sip:bob@x', 10),
      camera.callLog.addCommand('c1', '1 door opener'),
      camera.callLog.addCommand('c1', '2 light'),
      camera.settings.save({ ...FACTORY_SETTINGS, pin: '2222' }, 11),
      camera.lastCaller.set({ caller: 'sip:bob@x', at: 10, answered: true }),
      camera.events.add({ kind: 'door', at: 12, detail: 'door', image: { data: Buffer.from([1, 2]), contentType: 'image/png' } }),
      camera.callLog.finish('c1', 13, 'completed'),
      store.lockouts.save({ key: 'pin:address:203.0.113.9', kind: 'address', label: '203.0.113.9', failures: [], lockedUntil: 900_000, lockouts: 1, lastLockoutAt: 14 }),
    ];
    // The settings a call reads are the ones just saved, from memory.
    expect(camera.settings.load()?.pin).toBe('2222');
    expect(store.health().pendingWrites).toBe(writes.length);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.start();
    await Promise.all(writes);
    expect(store.health()).toEqual({ reachable: true, error: null, pendingWrites: 0 });

    const other = await open();
    expect(other.lockouts.load('pin:')).toEqual([expect.objectContaining({ key: 'pin:address:203.0.113.9', lockedUntil: 900_000, lockouts: 1 })]);
    const reopened = await other.camera('camera');
    expect(await reopened.callLog.list(10)).toEqual([expect.objectContaining({ callId: 'c1', commands: ['1 door opener', '2 light'], endedAt: 13, outcome: 'completed' })]);
    expect(reopened.settings.load()?.pin).toBe('2222');
    expect(await reopened.lastCaller.get()).toEqual({ caller: 'sip:bob@x', at: 10, answered: true });
    expect((await reopened.events.list(10)).map((e) => e.kind)).toEqual(['door']);
  }, 30_000);

  it('a Store while the server is down answers at once and is written when it is back; events recorded meanwhile do not hold up a closing camera', async () => {
    const store = await open();
    const camera = await store.camera('camera');
    expect(await camera.settings.save({ ...FACTORY_SETTINGS, pin: '1111' }, 1)).toBe('committed');
    await server.stop();
    // Nothing has noticed the outage yet: the write finds it and the save stops waiting.
    expect(await within(camera.settings.save({ ...FACTORY_SETTINGS, pin: '2222' }, 2), 5000)).toBe('queued');
    expect(camera.settings.load()?.pin).toBe('2222');
    const snapshots = new SimulatedSnapshotSource(systemClock, () => ({ doorOpen: true, lightOn: false }), () => 'UTC');
    const recorder = new EventRecorder(camera.events, snapshots, systemClock, logger);
    await recorder.record('door', 'door opener triggered');
    expect(await within(recorder.settled(), 5000)).toBeUndefined();
    expect(store.health()).toMatchObject({ reachable: false, pendingWrites: 2 });

    await server.start();
    await store.settled();
    const reopened = await (await open()).camera('camera');
    expect(reopened.settings.load()?.pin).toBe('2222');
    expect((await reopened.events.list(10)).map((e) => e.kind)).toEqual(['door']);
  }, 30_000);

  it('a read waiting behind writes fails as soon as they find the server gone, instead of waiting out the outage', async () => {
    const store = await open();
    const camera = await store.camera('camera');
    await server.stop();
    const write = camera.callLog.start('c1', 'sip:bob@x', 1);
    const read = camera.callLog.list(10).catch((error: unknown) => error);
    expect(await within(read, 5000)).toBeInstanceOf(DatabaseUnavailableError);
    await server.start();
    await write;
    expect((await camera.callLog.list(10)).map((entry) => entry.callId)).toEqual(['c1']);
  }, 30_000);
});
