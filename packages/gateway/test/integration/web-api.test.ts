/**
 * The web interface of a whole gateway over real HTTP: admin-managed softphone accounts (and
 * JsSIP signing in with one), what other origins may and may not do with the admin cookie,
 * the socket.io admin room, and the sign-in lock-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type {
  ApiError,
  CameraStatus,
  ClientToServerEvents,
  LastCaller,
  ServerToClientEvents,
  SettingsView,
  SoftphoneAccountView,
} from '@camgate/protocol';
import { PIN_LOCKOUT } from '../../src/camera/pin-guard.ts';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../support/gateway.ts';
import { JsSipPhone } from '../support/jssip.ts';

const FOREIGN = 'http://127.0.0.1:1'; // another port of the same host: "same-site", so the cookie would travel

describe('gateway web API', () => {
  let gw: TestGateway;
  let cookie: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    cookie = await signIn(gw.baseUrl);
  });
  afterAll(async () => {
    await gw.close();
  });

  /** A raw request as the signed-in admin, with whatever headers a browser would add. */
  const request = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${gw.baseUrl}${path}`, {
      method,
      headers: { cookie, ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });

  describe('softphone accounts kept by the gateway', () => {
    it('creates, lists (without any secret), replaces and deletes a named account', async () => {
      let response = await request('PUT', '/api/softphone-accounts/frontdoor', { body: { password: 'door-pass-1' } });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ username: 'frontdoor', createdAt: expect.any(Number), expiresAt: null, cameras: null });

      response = await request('PUT', '/api/softphone-accounts/frontdoor', { body: { password: 'door-pass-2' } });
      expect(response.status).toBe(200);

      const text = await (await request('GET', '/api/softphone-accounts')).text();
      const listed = JSON.parse(text) as SoftphoneAccountView[];
      expect(listed.find((a) => a.username === 'frontdoor')).toEqual({ username: 'frontdoor', createdAt: expect.any(Number), expiresAt: null, cameras: null });
      expect(text).not.toMatch(/door-pass|ha1|password/);

      expect((await request('DELETE', '/api/softphone-accounts/frontdoor')).status).toBe(204);
      expect((await request('DELETE', '/api/softphone-accounts/frontdoor')).status).toBe(404);
      const after = (await (await request('GET', '/api/softphone-accounts')).json()) as SoftphoneAccountView[];
      expect(after.map((a) => a.username)).not.toContain('frontdoor');
    });

    it('names the bad field of a refused account', async () => {
      const refusal = async (path: string, body: unknown) => {
        const response = await request('PUT', path, { body });
        expect(response.status).toBe(400);
        return (await response.json()) as ApiError;
      };
      expect(await refusal('/api/softphone-accounts/Front%20Door', { password: 'long-enough' })).toMatchObject({ field: 'username' });
      expect(await refusal(`/api/softphone-accounts/${'a'.repeat(33)}`, { password: 'long-enough' })).toMatchObject({ field: 'username' });
      expect(await refusal('/api/softphone-accounts/gate', { password: 'short' })).toMatchObject({ field: 'password', error: /8 characters/ });
      expect(await refusal('/api/softphone-accounts/gate', {})).toMatchObject({ field: 'password' });
    });

    it('the account signs JsSIP in over WebSocket until its password changes or it is deleted', async () => {
      // Only someone else is accepted: a call that gets this far has passed the digest check.
      const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
      await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, acceptedCallers: ['sip:someone-else@example.org'] });
      await gw.api('PUT', '/api/softphone-accounts/gate', { password: 'gate-pass-1' });
      const wsUrl = `${gw.baseUrl.replace('http', 'ws')}/sip`;
      /** The final answer to a call with this password, e.g. "403 Forbidden". */
      const answer = async (password: string) => {
        const phone = await JsSipPhone.start({ wsUrl, username: 'gate', password });
        try {
          const { session } = phone.call(gw.sipUri);
          return await new Promise<string>((resolve) =>
            session.once('failed', (e: { message?: { status_code?: number; reason_phrase?: string } }) =>
              resolve(`${e.message?.status_code} ${e.message?.reason_phrase}`),
            ),
          );
        } finally {
          await phone.close();
        }
      };
      const AUTHENTICATED = '403 Caller Not Accepted';
      const REFUSED = '403 Wrong Credentials';

      expect(await answer('gate-pass-1')).toBe(AUTHENTICATED);
      expect(await gw.api<LastCaller>('GET', '/api/cameras/camera/last-caller')).toMatchObject({ caller: 'sip:gate@127.0.0.1', answered: false });
      expect(await answer('wrong-password')).toBe(REFUSED);

      await gw.api('PUT', '/api/softphone-accounts/gate', { password: 'gate-pass-2' });
      expect(await answer('gate-pass-1')).toBe(REFUSED);
      expect(await answer('gate-pass-2')).toBe(AUTHENTICATED);

      await gw.api('DELETE', '/api/softphone-accounts/gate');
      expect(await answer('gate-pass-2')).toBe(REFUSED);
    });
  });

  describe('other origins and the admin cookie', () => {
    it('refuses API requests from another origin, and never answers with CORS headers', async () => {
      const response = await request('GET', '/api/cameras/camera/status', { headers: { origin: FOREIGN } });
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();

      // The preflight of a credentialed PUT gets nothing that would let it through.
      const preflight = await request('OPTIONS', '/api/cameras/camera/settings', {
        headers: { origin: FOREIGN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    });

    it('a cross-origin form post (no preflight) changes nothing', async () => {
      const before = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
      await gw.api('PUT', '/api/cameras/camera/settings', { ...before.running, hangupAfterSeconds: 77 });
      const response = await request('POST', '/api/cameras/camera/settings/store', {
        headers: { origin: FOREIGN, 'sec-fetch-site': 'same-site', 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(403);
      expect((await gw.api<SettingsView>('GET', '/api/cameras/camera/settings')).stored.hangupAfterSeconds).toBe(before.stored.hangupAfterSeconds);
      // The same request from the camera page itself works.
      const own = await request('POST', '/api/cameras/camera/settings/store', { headers: { origin: gw.baseUrl, 'sec-fetch-site': 'same-origin' } });
      expect(own.status).toBe(200);
      expect((await gw.api<SettingsView>('GET', '/api/cameras/camera/settings')).stored.hangupAfterSeconds).toBe(77);
    });

    it('socket.io: the cookie makes an admin only on connections from the gateway’s own origin', async () => {
      const admin = await connect(gw.baseUrl, { cookie, origin: gw.baseUrl });
      const foreign = await connect(gw.baseUrl, { cookie, origin: FOREIGN });
      try {
        // Watching a camera sends its status before the answer; only an admin may watch.
        expect(await admin.socket.timeout(5000).emitWithAck('camera:watch', 'camera')).toEqual({ ok: true });
        expect(await foreign.socket.timeout(5000).emitWithAck('camera:watch', 'camera')).toEqual({ ok: false, error: 'sign in as admin to watch a camera' });
        for (const { socket } of [admin, foreign])
          expect(await socket.timeout(5000).emitWithAck('call:watch', 'no-such-call')).toEqual({ ok: false, error: 'no such call' });
        expect(admin.statuses).toHaveLength(1);
        expect(foreign.statuses).toHaveLength(0);
        // No CORS credentials for anyone.
        const polling = await fetch(`${gw.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { origin: FOREIGN, cookie } });
        expect(polling.headers.get('access-control-allow-credentials')).toBeNull();
      } finally {
        admin.socket.disconnect();
        foreign.socket.disconnect();
      }
    });

    it('every answer carries the security headers', async () => {
      const response = await fetch(`${gw.baseUrl}/api/health`);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });

  // Last: it locks the admin user out of this gateway for the rest of the run.
  it('locks sign-in after 5 wrong passwords; the right one is refused while the lock lasts', async () => {
    const attempt = (password: string) => signInStatus(gw.baseUrl, password);
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) expect(await attempt('wrong-password')).toBe(401);
    expect(await attempt('wrong-password')).toBe(429);
    expect(await attempt(TEST_ADMIN_PASSWORD)).toBe(429);
    // Retry-After lets the page say when, in the person's own time zone.
    const locked = await signInResponse(gw.baseUrl, TEST_ADMIN_PASSWORD);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // A session made before the lock-out goes on working.
    expect((await request('GET', '/api/cameras/camera/status')).status).toBe(200);
    expect(((await (await request('GET', '/api/cameras/camera/status')).json()) as CameraStatus).name).toBe('camera');
  });
});

function signInResponse(baseUrl: string, password: string): Promise<Response> {
  return fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
}

async function signInStatus(baseUrl: string, password: string): Promise<number> {
  return (await signInResponse(baseUrl, password)).status;
}

/** A second admin session (the support helper keeps its own cookie to itself). */
async function signIn(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
  });
  expect(response.status).toBe(204);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** A socket.io client as a browser page on `origin` would open it, WebSocket only (cookies travel there). */
async function connect(baseUrl: string, headers: { cookie: string; origin: string }) {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, {
    transports: ['websocket'],
    extraHeaders: headers,
    reconnection: false,
  });
  const statuses: CameraStatus[] = [];
  socket.on('status', (status) => statuses.push(status));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, statuses };
}
