import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { AudioMode, CallInfo, Caption, ClientToServerEvents, ServerToClientEvents } from '@camgate/protocol';
import type { CameraEvents } from '../../../src/camera/camera.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { TypedEmitter } from '../../../src/core/typed-emitter.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/core/logger.ts';
import { Store } from '../../../src/store/store.ts';
import { AdminSessions, SESSION_COOKIE } from '../../../src/web/admin-sessions.ts';
import { LiveServer, type LiveLimits } from '../../../src/web/live-server.ts';

const logger = createLogger('silent');
/** Small caps so the test reaches them quickly; the defaults are LIVE_LIMITS. */
const LIMITS: LiveLimits = { maxAnonymous: 8, maxAnonymousPerAddress: 3 };

const call = (callId: string, transport: CallInfo['transport']): CallInfo => ({
  callId, caller: 'sip:someone@example.org', transport, phase: 'connected', audioMode: 'none',
  startedAt: 0, endsAt: null, led: 'connected', selectedCommand: null,
});

/** The two things LiveServer asks of the camera: its events and its calls by Call-ID. */
class FakeCamera extends TypedEmitter<CameraEvents> {
  readonly modes: [string, AudioMode][] = [];
  /** What the browser call has said so far (CameraCall keeps its last few). */
  readonly said: Caption[] = [];
  readonly calls = new Map<string, CallInfo>([
    ['browser-call-id', call('browser-call-id', 'ws')],
    ['1-42@192.0.2.7', call('1-42@192.0.2.7', 'udp')], // a phone's, guessable
  ]);

  call(callId: string) {
    const info = this.calls.get(callId);
    const recentCaptions = callId === 'browser-call-id' ? this.said : [];
    return info && { info, callId, recentCaptions, setAudioMode: (mode: AudioMode) => void this.modes.push([callId, mode]) };
  }

  /** The LEDs as the status shows them (LiveServer sends the status's, merged over gateways). */
  led: unknown = 'idle';

  /** A camera event as the real camera emits it. */
  fire<K extends keyof CameraEvents & string>(event: K, ...args: CameraEvents[K]): void {
    if (event === 'led') this.led = args[0];
    this.safeEmit(event, ...args);
  }

  say(text: string): void {
    const caption = { callId: 'browser-call-id', text, at: this.said.length };
    this.said.push(caption);
    this.safeEmit('caption', caption);
  }
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('socket.io: who may follow and steer a call', () => {
  let http: Server;
  let live: LiveServer;
  let camera: FakeCamera;
  let backyard: FakeCamera;
  let baseUrl: string;
  let adminCookie: string;
  let dataDir: string;
  let store: Store;
  const clients: Client[] = [];

  beforeEach(async () => {
    http = createServer();
    camera = new FakeCamera();
    backyard = new FakeCamera();
    dataDir = mkdtempSync(join(tmpdir(), 'camgate-live-'));
    store = await Store.open(dataDir, logger);
    const sessions = new AdminSessions(new FakeClock(), store.adminSessions);
    adminCookie = `${SESSION_COOKIE}=${await sessions.create('admin')}`;
    const cameras = [
      { id: 'camera', camera: camera as never, status: () => ({ id: 'camera', led: camera.led, outputs: [] }) as never },
      { id: 'backyard', camera: backyard as never, status: () => ({ id: 'backyard', led: backyard.led, outputs: [] }) as never },
    ];
    live = new LiveServer({
      http,
      cameras: { get: (id) => cameras.find((c) => c.id === id), list: () => cameras },
      sessions,
      logger,
      limits: LIMITS,
    });
    for (const c of cameras) live.attachCamera(c);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    live.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const connect = async (headers: Record<string, string> = {}, localAddress?: string): Promise<Client> => {
    const client: Client = io(baseUrl, {
      transports: ['websocket'],
      extraHeaders: headers,
      reconnection: false,
      ...(localAddress && { localAddress }),
    } as never);
    clients.push(client);
    await new Promise((resolve, reject) => client.once('connect', () => resolve(undefined)).once('connect_error', reject));
    return client;
  };
  const refusal = (headers: Record<string, string> = {}, localAddress?: string) =>
    connect(headers, localAddress).then(
      () => 'connected',
      (error: Error) => error.message,
    );
  const watch = (client: Client, callId: string) => client.timeout(5000).emitWithAck('call:watch', callId);
  const setMode = (client: Client, callId: string, mode: AudioMode) =>
    client.timeout(5000).emitWithAck('call:audio-mode', { callId, mode });

  it('a page that knows a browser call’s Call-ID follows its captions and may switch its mode once watching', async () => {
    const page = await connect({ origin: 'https://shop.example' });
    expect(await setMode(page, 'browser-call-id', 'listen')).toEqual({ ok: false, error: 'watch the call first' });
    const update = new Promise<CallInfo>((resolve) => page.once('call:update', (_cameraId, call) => resolve(call)));
    expect(await watch(page, 'browser-call-id')).toEqual({ ok: true });
    expect((await update).callId).toBe('browser-call-id');
    const caption = new Promise((resolve) => page.once('caption', (_cameraId, text) => resolve(text)));
    camera.say('one: door opener');
    expect(await caption).toMatchObject({ text: 'one: door opener' });
    expect(await setMode(page, 'browser-call-id', 'listen')).toEqual({ ok: true });
    expect(await setMode(page, 'browser-call-id', 'loud' as AudioMode)).toEqual({ ok: false, error: expect.stringMatching(/^mode: /) });
    expect(camera.modes).toEqual([['browser-call-id', 'listen']]);
  });

  it('a page that starts watching after the camera spoke still reads what it said', async () => {
    // The softphone's watch races its own INVITE: a key pressed at once is answered first.
    camera.say('Welcome');
    camera.say('four: date and time');
    const page = await connect({ origin: 'https://shop.example' });
    const captions: string[] = [];
    page.on('caption', (_cameraId, caption) => captions.push(caption.text));
    expect(await watch(page, 'browser-call-id')).toEqual({ ok: true });
    camera.say('Thursday');
    await vi.waitFor(() => expect(captions).toEqual(['Welcome', 'four: date and time', 'Thursday']));
  });

  it('a phone’s call cannot be followed or steered by a guessed Call-ID: it looks like no call at all', async () => {
    const page = await connect();
    expect(await watch(page, '1-42@192.0.2.7')).toEqual({ ok: false, error: 'no such call' });
    expect(await setMode(page, '1-42@192.0.2.7', 'speak')).toEqual({ ok: false, error: 'no such call' });
    expect(await watch(page, { not: 'a string' } as never)).toEqual({ ok: false, error: expect.stringMatching(/^payload: .*string/) });
    expect(camera.modes).toEqual([]);
  });

  it('the admin steers any call; the same cookie from another origin is no admin', async () => {
    const admin = await connect({ cookie: adminCookie, origin: baseUrl });
    expect(await setMode(admin, '1-42@192.0.2.7', 'speak')).toEqual({ ok: true });
    const elsewhere = await connect({ cookie: adminCookie, origin: 'http://127.0.0.1:1' });
    expect(await setMode(elsewhere, '1-42@192.0.2.7', 'listen')).toEqual({ ok: false, error: 'no such call' });
    expect(camera.modes).toEqual([['1-42@192.0.2.7', 'speak']]);
  });

  it('a session cookie that does not percent-decode is refused with a clear connect_error, and the server lives on', async () => {
    expect(await refusal({ cookie: `${SESSION_COOKIE}=%E0%A4%A` })).toMatch(/cookie camgate_session: is not valid percent-encoding/);
    expect(await watch(await connect(), 'browser-call-id')).toEqual({ ok: true });
  });

  it('malformed event payloads get an error ack naming the field; events without an ack are ignored', async () => {
    const page = await connect();
    expect(await page.timeout(5000).emitWithAck('call:audio-mode', null as never)).toEqual({ ok: false, error: expect.stringMatching(/^payload: /) });
    expect(await page.timeout(5000).emitWithAck('call:audio-mode', { callId: 7, mode: 'listen' } as never)).toEqual({
      ok: false,
      error: expect.stringMatching(/^callId: /),
    });
    page.emit('call:watch', 'browser-call-id', undefined as never);
    expect(await watch(page, 'x'.repeat(300))).toEqual({ ok: false, error: expect.stringMatching(/^payload: /) });
  });

  it('caps anonymous connections per address and in total, with a clear connect_error; admins are not counted', async () => {
    for (let i = 0; i < LIMITS.maxAnonymousPerAddress; i++) await connect({}, '127.0.0.1');
    expect(await refusal({}, '127.0.0.1')).toBe('too many connections from this address');
    expect(await refusal({ cookie: adminCookie, origin: baseUrl }, '127.0.0.1')).toBe('connected');
    // Other addresses fill the global cap.
    let address = 2;
    while (live.anonymousCount < LIMITS.maxAnonymous) await connect({}, `127.0.0.${address++}`);
    expect(await refusal({}, '127.0.0.99')).toBe('too many connections to the camera; try again later');
    // A closed connection frees its place.
    const first = clients[0]!;
    first.disconnect();
    await vi.waitFor(() => expect(live.anonymousCount).toBe(LIMITS.maxAnonymous - 1));
    expect(await refusal({}, '127.0.0.1')).toBe('connected');
  });

  it('an admin receives only the cameras it watches, each event naming its camera; anonymous pages may watch none', async () => {
    const admin = await connect({ cookie: adminCookie, origin: baseUrl });
    const leds: [string, unknown][] = [];
    admin.on('led', (cameraId, led) => leds.push([cameraId, led]));
    const status = new Promise((resolve) => admin.once('status', resolve));
    expect(await admin.timeout(5000).emitWithAck('camera:watch', 'backyard')).toEqual({ ok: true });
    expect(await status).toMatchObject({ id: 'backyard' });
    camera.fire('led', 'ringing' as never);
    backyard.fire('led', 'connected' as never);
    await vi.waitFor(() => expect(leds).toEqual([['backyard', 'connected']]));
    expect(await admin.timeout(5000).emitWithAck('camera:watch', 'nowhere')).toEqual({ ok: false, error: 'no camera "nowhere"' });
    expect(await admin.timeout(5000).emitWithAck('camera:watch', 'Bad Id')).toEqual({ ok: false, error: expect.stringMatching(/^payload: /) });
    expect(await admin.timeout(5000).emitWithAck('camera:unwatch', 'backyard')).toEqual({ ok: true });
    backyard.fire('led', 'idle' as never);
    const page = await connect({ origin: 'https://shop.example' });
    expect(await page.timeout(5000).emitWithAck('camera:watch', 'camera')).toEqual({ ok: false, error: 'sign in as admin to watch a camera' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(leds).toEqual([['backyard', 'connected']]);
  });
});
