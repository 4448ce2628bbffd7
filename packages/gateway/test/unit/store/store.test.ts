import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FACTORY_SETTINGS, type EmailProfile } from '@camgate/protocol';
import { createLogger } from '../../../src/core/logger.ts';
import { DATABASE_FILE, openDatabase } from '../../../src/store/database.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { digestHa1 } from '../../../src/store/softphone-account-repository.ts';
import { PIN_LOCKOUT, PinGuard } from '../../../src/camera/pin-guard.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { CallLogRepository } from '../../../src/store/call-log-repository.ts';
import { EventRepository } from '../../../src/store/event-repository.ts';
import { RejectedCallRepository } from '../../../src/store/rejected-call-repository.ts';
import { AdminSessions, SESSION_TTL_MS } from '../../../src/web/admin-sessions.ts';
import { Store } from '../../../src/store/store.ts';

const logger = createLogger('silent');
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../../../..');

const PROFILE: EmailProfile = {
  id: 'office', name: 'Office', host: 'smtp.example.com', port: 587, security: 'starttls',
  username: 'cam', password: 's3cret', from: 'cam@example.com', to: ['a@example.com'], subject: 'Event',
};

describe('Store: SQLite in <dataDir>/camgate.db', () => {
  let dataDir: string;
  let store: Store;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'camgate-store-'));
    store = Store.open(dataDir, logger);
  });

  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const reopen = () => {
    store.close();
    store = Store.open(dataDir, logger);
  };

  it('creates the file in WAL mode, records migrations and reopens without re-running them', () => {
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    reopen();
    const versions = store.db.prepare('SELECT version FROM migrations').pluck().all();
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('a failing migration leaves nothing half-applied', () => {
    store.close();
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half (x); SELECT * FROM missing_table;' }];
    expect(() => openDatabase(dataDir, logger, broken)).toThrow(/missing_table/);
    store = Store.open(dataDir, logger);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(store.db.prepare('SELECT version FROM migrations WHERE version = 99').get()).toBeUndefined();
  });

  it('everything stored survives closing and reopening', async () => {
    store.camera('camera').settings.save({ ...FACTORY_SETTINGS, pin: '1357' }, 1);
    const message = store.camera('camera').audioMessages.add({ name: 'Hello', durationMs: 1234.4, wav: Buffer.from('RIFFdata') }, 5);
    store.emailProfiles.put(PROFILE, 6);
    const event = store.camera('camera').events.add({ kind: 'door', at: 7, detail: 'door', image: { data: Buffer.from([1, 2, 3]), contentType: 'image/png' } });
    store.camera('camera').callLog.start('call-1', 'sip:bob@example.org', 8);
    store.camera('camera').callLog.addCommand('call-1', '4 date and time');
    store.camera('camera').callLog.finish('call-1', 9, 'completed');
    await store.adminUsers.setPassword('admin', 'correct horse', 10);
    store.softphoneAccounts.create({ username: 'web-1', realm: 'camgate', password: 'pw', expiresAt: 1000 }, 11);
    store.camera('camera').lastCaller.set({ caller: 'sip:bob@example.org', at: 12, answered: false });

    reopen();
    expect(store.camera('camera').settings.load()?.pin).toBe('1357');
    expect(store.camera('camera').audioMessages.get(message.id)).toEqual({ id: message.id, name: 'Hello', durationMs: 1234, builtin: false, createdAt: 5 });
    expect(store.camera('camera').audioMessages.wav(message.id)?.toString()).toBe('RIFFdata');
    expect(store.emailProfiles.get('office')).toEqual(PROFILE);
    expect(store.camera('camera').events.get(event.id)).toEqual({ id: event.id, kind: 'door', at: 7, detail: 'door', hasImage: true });
    expect(store.camera('camera').events.image(event.id)).toEqual({ data: Buffer.from([1, 2, 3]), contentType: 'image/png' });
    expect(store.camera('camera').callLog.get('call-1')).toMatchObject({ caller: 'sip:bob@example.org', endedAt: 9, outcome: 'completed', commands: ['4 date and time'] });
    expect(await store.adminUsers.verify('admin', 'correct horse')).toBe(true);
    expect(store.softphoneAccounts.find('web-1', 500)?.ha1).toBe(digestHa1('web-1', 'camgate', 'pw'));
    expect(store.camera('camera').lastCaller.get()).toEqual({ caller: 'sip:bob@example.org', at: 12, answered: false });
  });

  it('committed writes survive the process being killed with SIGKILL', async () => {
    store.close();
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'kill-writer.ts'), dataDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(output).toContain('written');
    expect(signal).toBe('SIGKILL');

    store = Store.open(dataDir, logger);
    expect(store.camera('camera').settings.load()).toMatchObject({ pin: '2468', acceptedCallers: ['+4930123456'] });
    expect(store.camera('camera').events.latest()).toMatchObject({ kind: 'user-click', detail: 'before the crash', hasImage: true });
    expect(store.camera('camera').callLog.get('crash-call')).toMatchObject({ endedAt: null, commands: ['1 door opener'] });
    expect(store.camera('camera').lastCaller.get()).toEqual({ caller: '+4930123456', at: 4, answered: true });
    // Lock-outs and admin sessions survive the kill too (FakeClock starts at 0).
    const clock = new FakeClock();
    const guard = new PinGuard(clock, PIN_LOCKOUT, { scope: 'pin', repository: store.lockouts });
    expect(guard.lockedUntil({ caller: '+4940999999', address: '203.0.113.9' })).toBe(clock.now() + PIN_LOCKOUT.BASE_LOCK_MS);
    const token = /session=(\S+)/.exec(output)![1]!;
    expect(new AdminSessions(new FakeClock(), store.adminSessions).verify(token)).toBe('admin');
    // The call cut by the kill is closed at the next start, not left in progress forever.
    expect(store.camera('camera').callLog.closeInterrupted(50)).toBe(1);
    expect(store.camera('camera').callLog.get('crash-call')).toMatchObject({ endedAt: 50, outcome: 'gateway-restarted' });
  }, 60_000);

  it('the call log has no place for keys: entries carry caller, times, outcome and command names only', () => {
    store.camera('camera').callLog.start('r1', 'sip:scanner@x', 5);
    store.camera('camera').callLog.finish('r1', 6, 'pin-failed');
    const entry = store.camera('camera').callLog.get('r1')!;
    expect(Object.keys(entry).sort()).toEqual(['callId', 'caller', 'commands', 'endedAt', 'id', 'outcome', 'startedAt']);
    expect(entry).toMatchObject({ startedAt: 5, endedAt: 6, outcome: 'pin-failed', commands: [] });
    const columns = store.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('call_log');
    expect(columns).toEqual(['id', 'call_id', 'caller', 'started_at', 'ended_at', 'outcome', 'commands', 'camera_id']);
  });

  it('lists events and calls newest first and keeps only the newest', () => {
    const events = new EventRepository(store.db, 'camera', 3);
    for (let i = 1; i <= 5; i++) events.add({ kind: 'user-click', at: i, detail: `#${i}`, image: null });
    expect(events.list(10).map((e) => e.detail)).toEqual(['#5', '#4', '#3']);
    expect(events.latestWithImage()).toBeNull();
    for (let i = 1; i <= 3; i++) store.camera('camera').callLog.start(`c${i}`, 'x', i);
    expect(store.camera('camera').callLog.list(2).map((c) => c.callId)).toEqual(['c3', 'c2']);
  });

  it('a flood of refused calls is counted per source and reason and never evicts answered calls', () => {
    const callLog = new CallLogRepository(store.db, 'camera', 10);
    for (let i = 0; i < 5; i++) callLog.start(`answered-${i}`, '+4930123456', i);
    for (let i = 0; i < 2000; i++) {
      store.rejectedCalls.record({ source: '203.0.113.9', reason: 'rejected', caller: `sip:scan${i}@x`, at: 100 + i });
    }
    store.rejectedCalls.record({ source: '198.51.100.1', reason: 'locked-out', caller: 'sip:eve@x', at: 5000 });
    expect(callLog.list(50).map((c) => c.callId)).toEqual(['answered-4', 'answered-3', 'answered-2', 'answered-1', 'answered-0']);
    expect(store.rejectedCalls.list(10)).toEqual([
      { source: '198.51.100.1', reason: 'locked-out', count: 1, firstAt: 5000, lastAt: 5000, lastCaller: 'sip:eve@x' },
      { source: '203.0.113.9', reason: 'rejected', count: 2000, firstAt: 100, lastAt: 2099, lastCaller: 'sip:scan1999@x' },
    ]);
  });

  it('refused-call rows are bounded: the sources seen longest ago go first', () => {
    const rejected = new RejectedCallRepository(store.db, 3);
    for (let i = 0; i < 5; i++) rejected.record({ source: `10.0.0.${i}`, reason: 'rejected', caller: 'x', at: i });
    expect(rejected.list(10).map((r) => r.source)).toEqual(['10.0.0.4', '10.0.0.3', '10.0.0.2']);
  });

  it('admin sessions: only a hash of the token is stored, and they survive a reopen until they expire', () => {
    const clock = new FakeClock();
    const token = new AdminSessions(clock, store.adminSessions).create('admin');
    expect(JSON.stringify(store.db.prepare('SELECT * FROM admin_sessions').all())).not.toContain(token);
    reopen();
    const sessions = new AdminSessions(clock, store.adminSessions);
    expect(sessions.verify(token)).toBe('admin');
    expect(sessions.verify(`${token}x`)).toBeUndefined();
    clock.advance(SESSION_TTL_MS);
    expect(sessions.verify(token)).toBeUndefined();
  });

  it('email profiles: views never carry the password; an empty password keeps the stored one', () => {
    store.emailProfiles.put(PROFILE, 1);
    const { password: _password, ...view } = PROFILE;
    expect(store.emailProfiles.list()).toEqual([{ ...view, hasPassword: true }]);
    expect(JSON.stringify(store.emailProfiles.list())).not.toContain('s3cret');
    store.emailProfiles.put({ ...PROFILE, subject: 'New', password: '' }, 2);
    expect(store.emailProfiles.get('office')).toMatchObject({ subject: 'New', password: 's3cret' });
    expect(() => store.emailProfiles.put({ ...PROFILE, to: ['not an address'] }, 3)).toThrow(expect.objectContaining({ field: 'to.0' }));
    expect(store.emailProfiles.delete('office')).toBe(true);
    expect(store.emailProfiles.exists('office')).toBe(false);
  });

  it('admin users: only a scrypt hash is stored; wrong passwords and unknown users fail', async () => {
    await store.adminUsers.setPassword('admin', 'pw-1', 1);
    const hash = store.db.prepare('SELECT password_hash FROM admin_users').pluck().get() as string;
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('pw-1');
    expect(await store.adminUsers.verify('admin', 'pw-2')).toBe(false);
    expect(await store.adminUsers.verify('nobody', 'pw-1')).toBe(false);
    await store.adminUsers.setPassword('admin', 'pw-2', 2);
    expect(await store.adminUsers.verify('admin', 'pw-2')).toBe(true);
  });

  it('softphone accounts expire', () => {
    store.softphoneAccounts.create({ username: 'web-1', realm: 'camgate', password: 'pw', expiresAt: 100 }, 0);
    expect(store.softphoneAccounts.find('web-1', 99)).not.toBeNull();
    expect(store.softphoneAccounts.find('web-1', 100)).toBeNull();
    expect(store.softphoneAccounts.deleteExpired(100)).toBe(1);
  });

  it('audio messages: builtins are replaced in place, uploads get fresh ids, rename and delete', () => {
    store.camera('camera').audioMessages.putBuiltin({ id: 'welcome', name: 'Welcome', durationMs: 1000, wav: Buffer.from('a') }, 1);
    store.camera('camera').audioMessages.putBuiltin({ id: 'welcome', name: 'Welcome', durationMs: 1100, wav: Buffer.from('b') }, 2);
    const upload = store.camera('camera').audioMessages.add({ name: 'Mine', durationMs: 500, wav: Buffer.from('c') }, 3);
    expect(store.camera('camera').audioMessages.list().map((m) => [m.id, m.builtin, m.durationMs])).toEqual([
      ['welcome', true, 1100],
      [upload.id, false, 500],
    ]);
    expect(store.camera('camera').audioMessages.rename(upload.id, 'Renamed')?.name).toBe('Renamed');
    expect(store.camera('camera').audioMessages.delete(upload.id)).toBe(true);
    expect(store.camera('camera').audioMessages.rename(upload.id, 'x')).toBeNull();
  });

  it('close() is idempotent', () => {
    store.close();
    store.close();
    expect(store.closed).toBe(true);
  });
});
