import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FACTORY_SETTINGS, type EmailProfile } from '@camgate/protocol';
import { createLogger } from '../../../src/core/logger.ts';
import { DATABASE_FILE } from '../../../src/store/database.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { Outbox } from '../../../src/store/outbox.ts';
import { digestHa1 } from '../../../src/store/softphone-account-repository.ts';
import { PIN_LOCKOUT, PinGuard } from '../../../src/camera/pin-guard.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { CallLogRepository } from '../../../src/store/call-log-repository.ts';
import { EventRepository } from '../../../src/store/event-repository.ts';
import { RejectedCallRepository } from '../../../src/store/rejected-call-repository.ts';
import { AdminSessions, SESSION_TTL_MS } from '../../../src/web/admin-sessions.ts';
import { Store } from '../../../src/store/store.ts';
import { describeStores } from '../../support/stores.ts';
import { AudioMessageRepository } from '../../../src/store/audio-message-repository.ts';
import type { DatabaseHealth, Sql, SqlDatabase, SqlExecutor, SqlValue } from '../../../src/store/sql.ts';

const logger = createLogger('silent');
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../../../..');

const PROFILE: EmailProfile = {
  id: 'office', name: 'Office', host: 'smtp.example.com', port: 587, security: 'starttls',
  username: 'cam', password: 's3cret', from: 'cam@example.com', to: ['a@example.com'], subject: 'Event',
};

/** A database whose writes commit but whose first answer to each is lost, as when the server goes away at that moment. */
class AnswersLostOnce implements SqlDatabase {
  readonly #lost = new Error('connection lost after commit');
  #loseNext = true;
  constructor(private readonly db: SqlDatabase) {}
  get dialect() {
    return this.db.dialect;
  }
  all<Row>(sql: Sql, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.db.all<Row>(sql, params);
  }
  get<Row>(sql: Sql, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.db.get<Row>(sql, params);
  }
  run(sql: Sql, params?: readonly SqlValue[]): Promise<number> {
    return this.#answerLost(this.db.run(sql, params));
  }
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#answerLost(this.db.transaction(work));
  }
  isTransient(error: unknown): boolean {
    return error === this.#lost;
  }
  health(): DatabaseHealth {
    return this.db.health();
  }
  onHealthChange(): void {}
  close(): Promise<void> {
    return this.db.close();
  }
  async #answerLost<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.#loseNext = !this.#loseNext;
    if (!this.#loseNext) throw this.#lost;
    return result;
  }
}

describe('Store: SQLite in <dataDir>/camgate.db', () => {
  it('is the default: the file is created in WAL mode with synchronous=NORMAL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'camgate-store-'));
    try {
      const store = await Store.open(dataDir, logger);
      expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(true);
      expect(store.db.dialect).toBe('sqlite');
      expect(await store.db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await store.db.get('PRAGMA synchronous')).toEqual({ synchronous: 1 }); // NORMAL
      await store.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describeStores('Store', (ctx) => {
  const cam = () => ctx.store.camera('camera');

  it('records migrations and reopens without re-running them', async () => {
    await ctx.reopen();
    const versions = await ctx.store.db.all<{ version: number }>('SELECT version FROM migrations ORDER BY version');
    expect(versions.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('a failing migration leaves nothing half-applied', async () => {
    await ctx.store.close();
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM missing_table;' }];
    await expect(ctx.openDatabase(broken)).rejects.toThrow(/missing_table/);
    ctx.store = await ctx.open();
    expect(await ctx.columns('half')).toEqual([]);
    expect(await ctx.store.db.get('SELECT version FROM migrations WHERE version = 99')).toBeUndefined();
  });

  it('two gateways starting together on one database migrate it once', async () => {
    const [a, b] = await Promise.all([ctx.open(), ctx.open()]);
    expect(await a.db.all('SELECT version FROM migrations')).toHaveLength(MIGRATIONS.length);
    await Promise.all([a.close(), b.close()]);
  });

  it('everything stored survives closing and reopening', async () => {
    await (await cam()).settings.save({ ...FACTORY_SETTINGS, pin: '1357' }, 1);
    const message = await (await cam()).audioMessages.add({ name: 'Hello', durationMs: 1234.4, wav: Buffer.from('RIFFdata') }, 5);
    await ctx.store.emailProfiles.put(PROFILE, 6);
    const image = { data: Buffer.from([0, 1, 2, 255]), contentType: 'image/png' };
    const event = await (await cam()).events.add({ kind: 'door', at: 7, detail: 'door', image });
    const callLog = (await cam()).callLog;
    void callLog.start('call-1', 'sip:bob@example.org', 8);
    void callLog.addCommand('call-1', '4 date and time');
    await callLog.finish('call-1', 9, 'completed');
    await ctx.store.adminUsers.setPassword('admin', 'correct horse', 10);
    await ctx.store.softphoneAccounts.create({ username: 'web-1', realm: 'camgate', password: 'pw', expiresAt: 1000 }, 11);
    await (await cam()).lastCaller.set({ caller: 'sip:bob@example.org', at: 12, answered: false });

    await ctx.reopen();
    expect((await cam()).settings.load()?.pin).toBe('1357');
    expect((await cam()).audioMessages.get(message.id)).toEqual({ id: message.id, name: 'Hello', durationMs: 1234, builtin: false, createdAt: 5 });
    expect((await (await cam()).audioMessages.wav(message.id))?.toString()).toBe('RIFFdata');
    expect(ctx.store.emailProfiles.get('office')).toEqual(PROFILE);
    expect(await (await cam()).events.get(event.id)).toEqual({ id: event.id, kind: 'door', at: 7, detail: 'door', hasImage: true });
    expect(await (await cam()).events.image(event.id)).toEqual(image);
    expect((await cam()).events.lastEventAt).toBe(7);
    expect(await (await cam()).callLog.get('call-1')).toMatchObject({ caller: 'sip:bob@example.org', endedAt: 9, outcome: 'completed', commands: ['4 date and time'] });
    expect(await ctx.store.adminUsers.verify('admin', 'correct horse')).toBe(true);
    expect(ctx.store.softphoneAccounts.find('web-1', 500)?.ha1).toBe(digestHa1('web-1', 'camgate', 'pw'));
    expect(await (await cam()).lastCaller.get()).toEqual({ caller: 'sip:bob@example.org', at: 12, answered: false });
  });

  it('committed writes survive the process being killed with SIGKILL', async () => {
    await ctx.store.close();
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'kill-writer.ts'), ctx.dataDir, ...(ctx.database ? [ctx.database] : [])], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(output).toContain('written');
    expect(signal).toBe('SIGKILL');

    ctx.store = await ctx.open();
    expect((await cam()).settings.load()).toMatchObject({ pin: '2468', acceptedCallers: ['+4930123456'] });
    expect(await (await cam()).events.latest()).toMatchObject({ kind: 'user-click', detail: 'before the crash', hasImage: true });
    expect(await (await cam()).callLog.get('crash-call')).toMatchObject({ endedAt: null, commands: ['1 door opener'] });
    expect(await (await cam()).lastCaller.get()).toEqual({ caller: '+4930123456', at: 4, answered: true });
    // Lock-outs and admin sessions survive the kill too (FakeClock starts at 0).
    const clock = new FakeClock();
    const guard = new PinGuard(clock, PIN_LOCKOUT, { scope: 'pin', repository: ctx.store.lockouts });
    expect(guard.lockedUntil({ caller: '+4940999999', address: '203.0.113.9' })).toBe(clock.now() + PIN_LOCKOUT.BASE_LOCK_MS);
    const token = /session=(\S+)/.exec(output)![1]!;
    expect(await new AdminSessions(new FakeClock(), ctx.store.adminSessions).verify(token)).toBe('admin');
    // The call cut by the kill is closed at the next start, not left in progress forever.
    expect(await (await cam()).callLog.closeInterrupted(50)).toBe(1);
    expect(await (await cam()).callLog.get('crash-call')).toMatchObject({ endedAt: 50, outcome: 'gateway-restarted' });
  }, 60_000);

  it('the call log has no place for keys: entries carry caller, times, outcome and command names only', async () => {
    const callLog = (await cam()).callLog;
    void callLog.start('r1', 'sip:scanner@x', 5);
    await callLog.finish('r1', 6, 'pin-failed');
    const entry = (await callLog.get('r1'))!;
    expect(Object.keys(entry).sort()).toEqual(['callId', 'caller', 'commands', 'endedAt', 'id', 'outcome', 'startedAt']);
    expect(entry).toMatchObject({ startedAt: 5, endedAt: 6, outcome: 'pin-failed', commands: [] });
    expect(await ctx.columns('call_log')).toEqual(['id', 'call_id', 'caller', 'started_at', 'ended_at', 'outcome', 'commands', 'camera_id']);
  });

  it('every write committed but its answer lost (the server went away) is retried and counts once', async () => {
    const outbox = new Outbox(new AnswersLostOnce(ctx.store.db), logger);
    const callLog = new CallLogRepository(outbox, 'camera');
    const events = new EventRepository(outbox, 'camera');
    const rejected = new RejectedCallRepository(outbox);
    const messages = new AudioMessageRepository(outbox, 'camera');
    await Promise.all([
      callLog.start('c1', 'sip:bob@x', 1),
      callLog.addCommand('c1', '1 door opener'),
      callLog.addCommand('c1', '3 light'),
      callLog.finish('c1', 5, 'completed'),
      events.add({ kind: 'door', at: 2, detail: 'door', image: null }),
      ...[10, 11, 12].map((at) => rejected.record({ source: '203.0.113.9', reason: 'rejected', caller: 'sip:scan@x', at })),
      messages.add({ name: 'Hello', durationMs: 100, wav: Buffer.from('RIFF') }, 3),
    ]);
    expect(await callLog.list(10)).toEqual([expect.objectContaining({ callId: 'c1', commands: ['1 door opener', '3 light'], endedAt: 5, outcome: 'completed' })]);
    expect((await events.list(10)).map((e) => e.kind)).toEqual(['door']);
    expect(await rejected.list(10)).toEqual([expect.objectContaining({ source: '203.0.113.9', count: 3, lastAt: 12 })]);
    expect(await ctx.store.db.all('SELECT id FROM audio_messages')).toHaveLength(1);
  });

  it('lists events and calls newest first and keeps only the newest', async () => {
    const outbox = new Outbox(ctx.store.db, logger);
    const events = new EventRepository(outbox, 'camera', 3);
    for (let i = 1; i <= 5; i++) await events.add({ kind: 'user-click', at: i, detail: `#${i}`, image: null });
    expect((await events.list(10)).map((e) => e.detail)).toEqual(['#5', '#4', '#3']);
    expect(await events.latestWithImage()).toBeNull();
    const callLog = (await cam()).callLog;
    for (let i = 1; i <= 3; i++) await callLog.start(`c${i}`, 'x', i);
    expect((await callLog.list(2)).map((c) => c.callId)).toEqual(['c3', 'c2']);
  });

  it('a flood of refused calls is counted per source and reason and never evicts answered calls', async () => {
    const callLog = new CallLogRepository(new Outbox(ctx.store.db, logger), 'camera', 10);
    for (let i = 0; i < 5; i++) void callLog.start(`answered-${i}`, '+4930123456', i);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      writes.push(ctx.store.rejectedCalls.record({ source: '203.0.113.9', reason: 'rejected', caller: `sip:scan${i}@x`, at: 100 + i }));
    }
    writes.push(ctx.store.rejectedCalls.record({ source: '198.51.100.1', reason: 'locked-out', caller: 'sip:eve@x', at: 5000 }));
    await Promise.all(writes);
    expect((await callLog.list(50)).map((c) => c.callId)).toEqual(['answered-4', 'answered-3', 'answered-2', 'answered-1', 'answered-0']);
    expect(await ctx.store.rejectedCalls.list(10)).toEqual([
      { source: '198.51.100.1', reason: 'locked-out', count: 1, firstAt: 5000, lastAt: 5000, lastCaller: 'sip:eve@x' },
      { source: '203.0.113.9', reason: 'rejected', count: 500, firstAt: 100, lastAt: 599, lastCaller: 'sip:scan499@x' },
    ]);
  });

  it('refused-call rows are bounded: the sources seen longest ago go first', async () => {
    const rejected = new RejectedCallRepository(new Outbox(ctx.store.db, logger), 3);
    for (let i = 0; i < 5; i++) await rejected.record({ source: `10.0.0.${i}`, reason: 'rejected', caller: 'x', at: i });
    expect((await rejected.list(10)).map((r) => r.source)).toEqual(['10.0.0.4', '10.0.0.3', '10.0.0.2']);
  });

  it('admin sessions: only a hash of the token is stored, and they survive a reopen until they expire', async () => {
    const clock = new FakeClock();
    const token = await new AdminSessions(clock, ctx.store.adminSessions).create('admin');
    expect(JSON.stringify(await ctx.store.db.all('SELECT * FROM admin_sessions'))).not.toContain(token);
    await ctx.reopen();
    const sessions = new AdminSessions(clock, ctx.store.adminSessions);
    expect(await sessions.verify(token)).toBe('admin');
    expect(await sessions.verify(`${token}x`)).toBeUndefined();
    clock.advance(SESSION_TTL_MS);
    expect(await sessions.verify(token)).toBeUndefined();
  });

  it('email profiles: views never carry the password; an empty password keeps the stored one', async () => {
    const profiles = ctx.store.emailProfiles;
    await profiles.put(PROFILE, 1);
    const { password: _password, ...view } = PROFILE;
    expect(profiles.list()).toEqual([{ ...view, hasPassword: true }]);
    expect(JSON.stringify(profiles.list())).not.toContain('s3cret');
    await profiles.put({ ...PROFILE, subject: 'New', password: '' }, 2);
    await ctx.reopen();
    expect(ctx.store.emailProfiles.get('office')).toMatchObject({ subject: 'New', password: 's3cret' });
    await expect(ctx.store.emailProfiles.put({ ...PROFILE, to: ['not an address'] }, 3)).rejects.toThrow(expect.objectContaining({ field: 'to.0' }));
    expect(await ctx.store.emailProfiles.delete('office')).toBe(true);
    expect(ctx.store.emailProfiles.exists('office')).toBe(false);
  });

  it('admin users: only a scrypt hash is stored; wrong passwords and unknown users fail', async () => {
    await ctx.store.adminUsers.setPassword('admin', 'pw-1', 1);
    const { password_hash: hash } = (await ctx.store.db.get<{ password_hash: string }>('SELECT password_hash FROM admin_users'))!;
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('pw-1');
    expect(await ctx.store.adminUsers.verify('admin', 'pw-2')).toBe(false);
    expect(await ctx.store.adminUsers.verify('nobody', 'pw-1')).toBe(false);
    await ctx.store.adminUsers.setPassword('admin', 'pw-2', 2);
    expect(await ctx.store.adminUsers.verify('admin', 'pw-2')).toBe(true);
  });

  it('softphone accounts expire', async () => {
    await ctx.store.softphoneAccounts.create({ username: 'web-1', realm: 'camgate', password: 'pw', expiresAt: 100 }, 0);
    expect(ctx.store.softphoneAccounts.find('web-1', 99)).not.toBeNull();
    expect(ctx.store.softphoneAccounts.find('web-1', 100)).toBeNull();
    expect(await ctx.store.softphoneAccounts.deleteExpired(100)).toBe(1);
    await ctx.reopen();
    expect(ctx.store.softphoneAccounts.list(0)).toEqual([]);
  });

  it('audio messages: builtins are replaced in place, uploads get fresh ids, rename and delete', async () => {
    const messages = (await cam()).audioMessages;
    await messages.putBuiltin({ id: 'welcome', name: 'Welcome', durationMs: 1000, wav: Buffer.from('a') }, 1);
    await messages.putBuiltin({ id: 'welcome', name: 'Welcome', durationMs: 1100, wav: Buffer.from('b') }, 2);
    const upload = await messages.add({ name: 'Mine', durationMs: 500, wav: Buffer.from('c') }, 3);
    await ctx.reopen();
    const reopened = (await cam()).audioMessages;
    expect(reopened.list().map((m) => [m.id, m.builtin, m.durationMs])).toEqual([
      ['welcome', true, 1100],
      [upload.id, false, 500],
    ]);
    expect((await reopened.wav('welcome'))?.toString()).toBe('b');
    expect((await reopened.rename(upload.id, 'Renamed'))?.name).toBe('Renamed');
    expect(await reopened.delete(upload.id)).toBe(true);
    expect(await reopened.rename(upload.id, 'x')).toBeNull();
    await ctx.reopen();
    expect((await cam()).audioMessages.list().map((m) => m.id)).toEqual(['welcome']);
  });

  it('removing a camera removes its rows and nothing of the others', async () => {
    const other = await ctx.store.camera('side');
    await ctx.store.cameras.put({ id: 'camera', name: 'camera' }, 1);
    await ctx.store.cameras.put({ id: 'side', name: 'Side door' }, 2);
    await (await cam()).settings.save({ ...FACTORY_SETTINGS, pin: '1111' }, 3);
    await other.settings.save({ ...FACTORY_SETTINGS, pin: '2222' }, 3);
    await other.callLog.start('side-call', 'x', 4);
    await ctx.store.cameras.remove('camera');
    await ctx.reopen();
    expect((await ctx.store.cameras.list()).map((c) => c.id)).toEqual(['side']);
    expect((await cam()).settings.load()).toBeNull();
    expect((await ctx.store.camera('side')).settings.load()?.pin).toBe('2222');
    expect(await (await ctx.store.camera('side')).callLog.get('side-call')).not.toBeNull();
  });

  it('close() is idempotent', async () => {
    await ctx.store.close();
    await ctx.store.close();
    expect(ctx.store.closed).toBe(true);
  });
});
