import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { AudioMode, CallInfo, ClientToServerEvents, ServerToClientEvents } from '@camgate/protocol';
import type { CameraEvents } from '../../../src/camera/camera.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { TypedEmitter } from '../../../src/core/typed-emitter.ts';
import { AdminSessions, SESSION_COOKIE } from '../../../src/web/admin-sessions.ts';
import { LiveServer } from '../../../src/web/live-server.ts';

const call = (callId: string, transport: CallInfo['transport']): CallInfo => ({
  callId, caller: 'sip:someone@example.org', transport, phase: 'connected', audioMode: 'none',
  startedAt: 0, endsAt: null, led: 'connected', selectedCommand: null,
});

/** The two things LiveServer asks of the camera: its events and its calls by Call-ID. */
class FakeCamera extends TypedEmitter<CameraEvents> {
  readonly modes: [string, AudioMode][] = [];
  readonly calls = new Map<string, CallInfo>([
    ['browser-call-id', call('browser-call-id', 'ws')],
    ['1-42@192.0.2.7', call('1-42@192.0.2.7', 'udp')], // a phone's, guessable
  ]);

  call(callId: string) {
    const info = this.calls.get(callId);
    return info && { info, callId, setAudioMode: (mode: AudioMode) => void this.modes.push([callId, mode]) };
  }

  say(text: string): void {
    this.safeEmit('caption', { callId: 'browser-call-id', text, at: 0 });
  }
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('socket.io: who may follow and steer a call', () => {
  let http: Server;
  let live: LiveServer;
  let camera: FakeCamera;
  let baseUrl: string;
  let adminCookie: string;
  const clients: Client[] = [];

  beforeEach(async () => {
    http = createServer();
    camera = new FakeCamera();
    const sessions = new AdminSessions(new FakeClock());
    adminCookie = `${SESSION_COOKIE}=${sessions.create('admin')}`;
    live = new LiveServer({
      http,
      camera: camera as never,
      sessions,
      status: () => ({}) as never,
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await live.close();
  });

  const connect = async (headers: Record<string, string> = {}): Promise<Client> => {
    const client: Client = io(baseUrl, { transports: ['websocket'], extraHeaders: headers, reconnection: false });
    clients.push(client);
    await new Promise((resolve, reject) => client.once('connect', () => resolve(undefined)).once('connect_error', reject));
    return client;
  };
  const watch = (client: Client, callId: string) => client.timeout(5000).emitWithAck('call:watch', callId);
  const setMode = (client: Client, callId: string, mode: AudioMode) =>
    client.timeout(5000).emitWithAck('call:audio-mode', { callId, mode });

  it('a page that knows a browser call’s Call-ID follows its captions and may switch its mode once watching', async () => {
    const page = await connect({ origin: 'https://shop.example' });
    expect(await setMode(page, 'browser-call-id', 'listen')).toEqual({ ok: false, error: 'watch the call first' });
    const update = new Promise<CallInfo>((resolve) => page.once('call:update', resolve));
    expect(await watch(page, 'browser-call-id')).toEqual({ ok: true });
    expect((await update).callId).toBe('browser-call-id');
    const caption = new Promise((resolve) => page.once('caption', resolve));
    camera.say('one: door opener');
    expect(await caption).toMatchObject({ text: 'one: door opener' });
    expect(await setMode(page, 'browser-call-id', 'listen')).toEqual({ ok: true });
    expect(await setMode(page, 'browser-call-id', 'loud' as AudioMode)).toEqual({ ok: false, error: 'unknown audio mode' });
    expect(camera.modes).toEqual([['browser-call-id', 'listen']]);
  });

  it('a phone’s call cannot be followed or steered by a guessed Call-ID: it looks like no call at all', async () => {
    const page = await connect();
    expect(await watch(page, '1-42@192.0.2.7')).toEqual({ ok: false, error: 'no such call' });
    expect(await setMode(page, '1-42@192.0.2.7', 'speak')).toEqual({ ok: false, error: 'no such call' });
    expect(await watch(page, { not: 'a string' } as never)).toEqual({ ok: false, error: 'no such call' });
    expect(camera.modes).toEqual([]);
  });

  it('the admin steers any call; the same cookie from another origin is no admin', async () => {
    const admin = await connect({ cookie: adminCookie, origin: baseUrl });
    expect(await setMode(admin, '1-42@192.0.2.7', 'speak')).toEqual({ ok: true });
    const elsewhere = await connect({ cookie: adminCookie, origin: 'http://127.0.0.1:1' });
    expect(await setMode(elsewhere, '1-42@192.0.2.7', 'listen')).toEqual({ ok: false, error: 'no such call' });
    expect(camera.modes).toEqual([['1-42@192.0.2.7', 'speak']]);
  });
});
