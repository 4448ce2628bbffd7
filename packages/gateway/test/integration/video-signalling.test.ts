import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CameraStatus, ClientToServerEvents, ServerToClientEvents } from '@camgate/protocol';
import { DEFAULT_MAX_VIEWERS } from '../../src/web/live-view-server.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('live-view signalling over socket.io (issue #10): admins only, bounded, every payload checked', () => {
  let gw: TestGateway;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
  }, 60_000);

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });

  afterAll(async () => {
    await gw?.close();
  });

  /** A socket as the camera page opens it: from the gateway's origin, with or without the admin cookie. */
  async function connect(admin: boolean): Promise<ClientSocket> {
    const socket: ClientSocket = io(gw.baseUrl, {
      transports: ['websocket'],
      extraHeaders: { origin: gw.baseUrl, ...(admin && { cookie: gw.cookie }) },
      reconnection: false,
    });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  }

  it('refuses a socket without an admin session, and starts no video for it', async () => {
    const socket = await connect(false);
    expect(await socket.emitWithAck('video:join', {})).toEqual({ ok: false, error: 'sign in as admin to watch the camera' });
    expect((await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).video).toMatchObject({ state: 'stopped', viewers: 0 });
  });

  it('answers a malformed payload with an error naming the field, and a step out of order with what to do first', async () => {
    const socket = await connect(true);
    expect(await socket.emitWithAck('video:consume', { rtpCapabilities: {} })).toEqual({ ok: false, error: 'join the video first' });
    const joined = await socket.emitWithAck('video:join', {});
    expect(joined.ok).toBe(true);
    const bad = await socket.emitWithAck('video:connect', { dtlsParameters: { fingerprints: 'sha-256 AB:CD' } } as never);
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^dtlsParameters\.fingerprints: /) });
    const tooMany = await socket.emitWithAck('video:consume', { rtpCapabilities: { codecs: Array.from({ length: 200 }, () => ({ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 })) } } as never);
    expect(tooMany).toMatchObject({ ok: false, error: expect.stringMatching(/^rtpCapabilities\.codecs: /) });
  });

  it(`lets at most ${DEFAULT_MAX_VIEWERS} viewers watch at once; one leaving makes room; the status counts them`, async () => {
    const viewers = await Promise.all(Array.from({ length: DEFAULT_MAX_VIEWERS }, () => connect(true)));
    const joins = await Promise.all(viewers.map((socket) => socket.emitWithAck('video:join', {})));
    expect(joins.every((join) => join.ok)).toBe(true);
    const extra = await connect(true);
    // Admin sockets hear the viewer count in the live 'status' too.
    const statuses: CameraStatus[] = [];
    extra.on('status', (status) => statuses.push(status));
    expect(await extra.emitWithAck('camera:watch', 'camera')).toEqual({ ok: true });
    expect(await extra.emitWithAck('video:join', {})).toEqual({ ok: false, error: `at most ${DEFAULT_MAX_VIEWERS} viewers at once` });
    expect((await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).video.viewers).toBe(DEFAULT_MAX_VIEWERS);
    viewers[0]!.emit('video:leave');
    await eventually(() => statuses.at(-1)?.video.viewers === DEFAULT_MAX_VIEWERS - 1, 5000, "a 'status' with a free place");
    expect((await extra.emitWithAck('video:join', {})).ok).toBe(true);
  });
});
