import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Camera } from '../../../src/camera/camera.ts';
import { PIN_LOCKOUT, PinGuard } from '../../../src/camera/pin-guard.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { Store } from '../../../src/store/store.ts';
import { AdminSessions } from '../../../src/web/admin-sessions.ts';
import { errorHandler } from '../../../src/web/http-errors.ts';
import { createRestApi } from '../../../src/web/rest-api.ts';
import { serve } from './http-app.ts';

const logger = createLogger('silent');
const PASSWORD = 'right-admin-password';

// The lock-out lasts minutes: a fake clock lets it end. Sign-in touches no camera.
describe('admin sign-in lock-out ends after its time', () => {
  let dataDir: string;
  let store: Store;
  let server: Awaited<ReturnType<typeof serve>>;
  const clock = new FakeClock();

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'camgate-login-'));
    store = Store.open(dataDir, logger);
    await store.adminUsers.setPassword('admin', PASSWORD, clock.now());
    const app = express();
    app.use(
      '/api',
      createRestApi({
        camera: {} as Camera,
        store,
        clock,
        logger,
        sessions: new AdminSessions(clock),
        loginGuard: new PinGuard(clock),
        status: () => {
          throw new Error('not used');
        },
        realm: 'camgate',
        softphoneTarget: () => ({ cameraUri: 'sip:camera@127.0.0.1', wsUrl: 'ws://127.0.0.1/sip', domain: '127.0.0.1' }),
      }),
    );
    app.use(errorHandler(logger));
    server = await serve(app);
  });

  afterEach(async () => {
    await server.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const login = (password: string) =>
    fetch(`${server.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    }).then((r) => r.status);

  it('refuses even the right password while locked, and accepts it once the lock has ended', async () => {
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) expect(await login('wrong')).toBe(401);
    expect(await login(PASSWORD)).toBe(429);
    clock.advance(PIN_LOCKOUT.BASE_LOCK_MS - 1000);
    expect(await login(PASSWORD)).toBe(429);
    clock.advance(1000);
    expect(await login(PASSWORD)).toBe(204);
  });
});
