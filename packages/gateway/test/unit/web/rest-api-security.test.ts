import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockoutListSchema, RejectedCallsListSchema } from '@camgate/protocol';
import { WavDecoder } from '../../../src/audio/wav-decoder.ts';
import { decodeWav } from '../../../src/audio/wav.ts';
import type { CameraRegistry } from '../../../src/camera/camera-registry.ts';
import type { CameraUnit } from '../../../src/camera-unit.ts';
import { PIN_LOCKOUT, PinGuard } from '../../../src/camera/pin-guard.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { Store, type CameraStore } from '../../../src/store/store.ts';
import { AdminSessions, SESSION_COOKIE } from '../../../src/web/admin-sessions.ts';
import { errorHandler } from '../../../src/web/http-errors.ts';
import { createRestApi } from '../../../src/web/rest-api.ts';
import { stereoToneWav } from '../audio/stereo-wav.ts';
import { serve } from './http-app.ts';

const logger = createLogger('silent');
const PASSWORD = 'right-admin-password';
const OWNER = '127.0.0.1';
const STRANGER = '127.0.0.2';

interface Answer {
  status: number;
  cookie: string | undefined;
  body: string;
}

// The lock-out lasts minutes: a fake clock lets it end. None of this touches the camera.
describe('REST API: sign-in lock-out, sessions, lock-outs, refused calls, uploads', () => {
  let dataDir: string;
  let store: Store;
  let cameraStore: CameraStore;
  let server: Awaited<ReturnType<typeof serve>>;
  let pinGuard: PinGuard;
  const clock = new FakeClock();
  const wavDecoder = new WavDecoder();
  afterAll(() => wavDecoder.close());

  /** The gateway's web part as after a (re)start: guards and sessions read from the database. */
  const start = async () => {
    cameraStore = await store.camera('camera');
    const loginGuard = new PinGuard(clock, PIN_LOCKOUT, { scope: 'login', repository: store.lockouts });
    pinGuard = new PinGuard(clock, PIN_LOCKOUT, { scope: 'pin', repository: store.lockouts });
    const app = express();
    app.use(
      '/api',
      createRestApi({
        // Only the messages routes of one camera are exercised here: they need its store alone.
        cameras: { get: (id: string) => (id === 'camera' ? { id, store: cameraStore } : undefined), list: () => [] } as unknown as CameraRegistry<CameraUnit>,
        store,
        clock,
        logger,
        sessions: new AdminSessions(clock, store.adminSessions),
        loginGuard,
        lockoutGuards: [pinGuard, loginGuard],
        wavDecoder,
        realm: 'camgate',
        softphoneTarget: () => ({ cameraUri: 'sip:camera@127.0.0.1', wsUrl: 'ws://127.0.0.1/sip', domain: '127.0.0.1' }),
      }),
    );
    app.use(errorHandler(logger));
    server = await serve(app);
  };
  const restart = async () => {
    await server.close();
    await store.close();
    store = await Store.open(dataDir, logger);
    await start();
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'camgate-login-'));
    store = await Store.open(dataDir, logger);
    await store.adminUsers.setPassword('admin', PASSWORD, clock.now());
    await start();
  });

  afterEach(async () => {
    await server.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One HTTP request from a chosen loopback source address. */
  const send = (method: string, path: string, options: { body?: unknown; raw?: Buffer; cookie?: string; from?: string; onSent?: () => void } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const url = new URL(path, server.baseUrl);
      const req = request(
        url,
        {
          method,
          localAddress: options.from ?? OWNER,
          headers: { 'content-type': options.raw ? 'audio/wav' : 'application/json', ...(options.cookie && { cookie: options.cookie }) },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, cookie: res.headers['set-cookie']?.[0]?.split(';')[0], body }));
        },
      );
      req.on('error', reject);
      if (options.onSent) req.on('finish', options.onSent);
      req.end(options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)));
    });
  const login = (password: string, from = OWNER) => send('POST', '/api/login', { body: { username: 'admin', password }, from });

  it('refuses even the right password while locked, and accepts it once the lock has ended', async () => {
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) expect((await login('wrong')).status).toBe(401);
    expect((await login(PASSWORD)).status).toBe(429);
    clock.advance(PIN_LOCKOUT.BASE_LOCK_MS - 1000);
    expect((await login(PASSWORD)).status).toBe(429);
    clock.advance(1000);
    expect((await login(PASSWORD)).status).toBe(204);
  });

  it('100 parallel sign-ins (one of them right) get at most MAX_FAILURES passwords checked; the rest are refused unchecked', async () => {
    const answers = await Promise.all([...Array.from({ length: 100 }, () => login('wrong')), login(PASSWORD)]);
    const statuses = answers.map((a) => a.status);
    // 401 = checked and wrong, 204 = checked and right; 429 = refused before any hash.
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(PIN_LOCKOUT.MAX_FAILURES);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(101 - PIN_LOCKOUT.MAX_FAILURES);
  });

  it('a stranger failing from another address cannot lock the owner out', async () => {
    for (let i = 0; i < 2 * PIN_LOCKOUT.MAX_FAILURES; i++) expect((await login('wrong', STRANGER)).status).toBeGreaterThanOrEqual(401);
    expect((await login(PASSWORD, STRANGER)).status).toBe(429);
    expect((await login(PASSWORD, OWNER)).status).toBe(204);
  });

  it('lock-outs and sessions survive a restart; the session token itself is not stored', async () => {
    const session = (await login(PASSWORD)).cookie!;
    expect(session).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) await login('wrong', STRANGER);
    await restart();
    expect((await login(PASSWORD, STRANGER)).status).toBe(429);
    expect((await send('GET', '/api/session', { cookie: session })).body).toBe('{"username":"admin"}');
    const token = session.split('=')[1]!;
    expect(JSON.stringify(await store.db.all('SELECT * FROM admin_sessions'))).not.toContain(token);
  });

  it('the admin lists lock-outs (PINs and sign-ins) and lifts one: GET/DELETE /api/lockouts', async () => {
    const session = (await login(PASSWORD)).cookie!;
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) pinGuard.recordFailure({ caller: '+4930123456', address: '192.0.2.7' });
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) await login('wrong', STRANGER);
    expect((await send('GET', '/api/lockouts')).status).toBe(401);
    const list = LockoutListSchema.parse(JSON.parse((await send('GET', '/api/lockouts', { cookie: session })).body));
    expect(list.map((l) => l.label).sort()).toEqual(['+4930123456 from 192.0.2.7', '127.0.0.2', '192.0.2.7', 'admin from 127.0.0.2']);
    for (const { key } of list.filter((l) => l.label.includes('127.0.0.2'))) {
      expect((await send('DELETE', `/api/lockouts/${encodeURIComponent(key)}`, { cookie: session })).status).toBe(204);
    }
    expect((await send('DELETE', `/api/lockouts/${encodeURIComponent(list[0]!.key)}x`, { cookie: session })).status).toBe(404);
    expect((await login(PASSWORD, STRANGER)).status).toBe(204);
    expect(pinGuard.list()).toHaveLength(2);
  });

  it('GET /api/calls/rejected: refused calls per source and reason, most recent first', async () => {
    const session = (await login(PASSWORD)).cookie!;
    for (let i = 0; i < 3; i++) store.rejectedCalls.record({ source: '203.0.113.9', reason: 'rejected', caller: `sip:scan${i}@x`, at: 10 + i });
    const answer = await send('GET', '/api/calls/rejected?limit=5', { cookie: session });
    expect(RejectedCallsListSchema.parse(JSON.parse(answer.body))).toEqual([
      { source: '203.0.113.9', reason: 'rejected', count: 3, firstAt: 10, lastAt: 12, lastCaller: 'sip:scan2@x' },
    ]);
    expect((await send('GET', '/api/calls/rejected?limit=0', { cookie: session })).status).toBe(400);
  });

  it('a 10 MB WAV upload is decoded off the event loop: other requests are answered meanwhile', async () => {
    const session = (await login(PASSWORD)).cookie!;
    let sent = false;
    let uploaded = false;
    const upload = send('POST', '/api/cameras/camera/messages?name=Long', { raw: stereoToneWav(59), cookie: session, onSent: () => (sent = true) }).then((answer) => {
      uploaded = true;
      return answer;
    });
    // Health checks answered after the whole file was sent and before the upload's answer:
    // while it was decoded. Decoding on the event loop would leave no room for any.
    let answeredWhileDecoding = 0;
    while (!uploaded) {
      const before = sent;
      if ((await send('GET', '/api/health')).status === 200 && before && !uploaded) answeredWhileDecoding += 1;
    }
    const answer = await upload;
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'Long', durationMs: 59_000 });
    expect(answeredWhileDecoding).toBeGreaterThan(1);
    // Stored as calls play it: 8 kHz mono.
    const stored = decodeWav((await cameraStore.audioMessages.wav((JSON.parse(answer.body) as { id: string }).id))!);
    expect(stored.info).toMatchObject({ sampleRate: 8000, channels: 1, frames: 59 * 8000 });
  });

  it('a file that is no WAV gets a 400 naming the file', async () => {
    const session = (await login(PASSWORD)).cookie!;
    const answer = await send('POST', '/api/cameras/camera/messages?name=Bad', { raw: Buffer.from('no wav here'), cookie: session });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ field: 'file', error: expect.stringMatching(/not a RIFF\/WAVE file/) });
  });

  it('a session cookie that does not percent-decode gets a 400 naming the cookie', async () => {
    const answer = await send('GET', '/api/session', { cookie: `${SESSION_COOKIE}=%E0%A4%A` });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ field: `cookie ${SESSION_COOKIE}` });
  });
});
