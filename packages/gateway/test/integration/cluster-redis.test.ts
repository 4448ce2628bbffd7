/**
 * Two gateways sharing one real Redis (issue #12, "Shared live state through Redis"): each
 * has its own data directory and ports; what one node does, the other shows and follows.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type {
  CallInfo,
  CameraStatus,
  ClientToServerEvents,
  IncomingCallsSettings,
  LedState,
  ServerToClientEvents,
  SettingsView,
} from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { RedisServer } from '../support/redis.ts';

interface Health {
  ok: boolean;
  node: string;
  sharedState: 'off' | 'ok' | 'unreachable';
  warnings: string[];
}

const status = (gw: TestGateway) => gw.api<CameraStatus>('GET', '/api/cameras/camera/status');
const health = async (gw: TestGateway) => (await fetch(`${gw.baseUrl}/api/health`)).json() as Promise<Health>;

async function setRunning(gw: TestGateway, change: Partial<IncomingCallsSettings>): Promise<void> {
  const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
  await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
}

describe('several gateways sharing live state through Redis', () => {
  let redis: RedisServer;
  let a: TestGateway;
  let b: TestGateway;
  const phones: Baresip[] = [];
  const sockets: Socket[] = [];
  const newPhone = async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    return phone;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    const flags = (node: string) => ['--redis', redis.url, '--node-id', node, '--workers', '1', '--audio-threads', '1'];
    [a, b] = await Promise.all([startTestGateway(flags('node-a')), startTestGateway(flags('node-b'))]);
    await setRunning(a, { pin: '', acceptedCallers: [], ringSeconds: 0, audioMode: 'none' });
    await eventually(async () => (await b.api<SettingsView>('GET', '/api/cameras/camera/settings')).running.pin === '', 5000, 'B takes A\'s settings');
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    for (const phone of phones.splice(0)) await phone.close();
    await redis.start();
    for (const gw of [a, b]) await eventually(async () => (await status(gw)).calls.length === 0, 10_000, 'calls gone');
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.close();
  });

  it('an admin watching the camera on node B sees the call node A answered (call:update, LED, status) and switches its audio mode', async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(b.baseUrl, {
      transports: ['websocket'],
      extraHeaders: { cookie: b.cookie, origin: b.baseUrl },
      reconnection: false,
    });
    sockets.push(socket);
    const updates: CallInfo[] = [];
    const leds: LedState[] = [];
    socket.on('call:update', (_cameraId, call) => updates.push(call));
    socket.on('led', (_cameraId, led) => leds.push(led));
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    expect(await socket.emitWithAck('camera:watch', 'camera')).toEqual({ ok: true });

    const phone = await newPhone();
    await phone.dial(a.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    const connected = await eventually(() => updates.find((call) => call.phase === 'connected'), 10_000, 'call:update on node B');
    await eventually(() => leds.includes('connected'), 10_000, 'LED on node B');
    // B's status lists the call with the node that answered it; B itself runs none.
    const seen = await eventually(async () => (await status(b)).calls.find((call) => call.callId === connected.callId), 5000, 'call in B\'s status');
    expect(seen.node).toBe('node-a');
    await eventually(async () => (await status(b)).led === 'connected', 5000, 'merged LED in B\'s status');
    expect((await status(b)).cluster).toEqual({ node: 'node-b', sharedState: 'ok' });
    // B's admin switches the audio mode of A's call: A runs it, and everyone sees the change.
    expect(await socket.timeout(10_000).emitWithAck('call:audio-mode', { callId: connected.callId, mode: 'listen' })).toEqual({ ok: true });
    await eventually(async () => (await status(a)).calls[0]?.audioMode === 'listen', 5000, 'mode switched on A');
    await eventually(() => updates.some((call) => call.audioMode === 'listen'), 5000, 'B\'s admin sees the new mode');
    expect(await socket.timeout(10_000).emitWithAck('call:audio-mode', { callId: 'nobody-has-this', mode: 'listen' })).toEqual({ ok: false, error: 'no such call' });

    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await eventually(async () => (await status(b)).calls.length === 0, 5000, 'call gone from B');
    await eventually(() => leds.at(-1) === 'idle', 5000, 'LED idle on node B');
  }, 45_000);

  it('busy policy "reject" counts every node\'s calls: a second caller to node B is refused while A runs a call', async () => {
    const { busy } = (await a.api<SettingsView>('GET', '/api/cameras/camera/settings')).running;
    await setRunning(a, { busy: { ...busy, policy: 'reject' } });
    await eventually(async () => (await b.api<SettingsView>('GET', '/api/cameras/camera/settings')).running.busy.policy === 'reject', 3000, 'B takes the policy');
    const first = await newPhone();
    await first.dial(a.sipUri);
    await first.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await status(b)).calls.some((call) => call.node === 'node-a'), 5000, 'B knows A\'s call');
    const second = await newPhone();
    await second.dial(b.sipUri);
    expect((await second.waitForEvent('CALL_CLOSED')).param).toMatch(/486/);
    await first.hangup();
    await setRunning(a, { busy });
  }, 45_000);

  it('Set on node A (not stored) applies to the next call node B answers', async () => {
    await setRunning(a, { pin: '2580' });
    await eventually(async () => (await b.api<SettingsView>('GET', '/api/cameras/camera/settings')).running.pin === '2580', 3000, 'B runs A\'s Set within a second (slack for a loaded machine)');
    expect((await b.api<SettingsView>('GET', '/api/cameras/camera/settings')).dirty).toBe(true);

    const phone = await newPhone();
    await phone.dial(b.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    // Without a PIN the call would go straight to connected: B asks for A's new one.
    await eventually(async () => (await status(b)).calls[0]?.phase === 'pin', 15_000, 'PIN prompt on B');
    await phone.sendDtmf('2580#');
    await eventually(async () => (await status(b)).calls[0]?.phase === 'connected', 10_000, 'PIN accepted on B');
    await phone.hangup();
    await setRunning(a, { pin: '' });
    await eventually(async () => (await b.api<SettingsView>('GET', '/api/cameras/camera/settings')).running.pin === '', 3000, 'PIN cleared on B');
  }, 45_000);

  it('Redis stopped: calls are still answered and health says so; Redis back: health ok and state republished', async () => {
    await redis.stop();
    await eventually(async () => (await health(a)).sharedState === 'unreachable', 10_000, 'A notices the outage');
    expect(await health(a)).toMatchObject({ ok: true, node: 'node-a', warnings: ['shared state unreachable'] });

    const phone = await newPhone();
    await phone.dial(a.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await status(a)).calls[0]?.phase === 'connected', 10_000, 'call connected on A');
    const during = await status(a);
    expect(during.warnings).toContain('shared state unreachable');
    expect(during.cluster?.sharedState).toBe('unreachable');

    await redis.start();
    await eventually(async () => (await health(a)).sharedState === 'ok', 15_000, 'A reconnects');
    await eventually(async () => (await health(b)).sharedState === 'ok', 15_000, 'B reconnects');
    // A republished its live state to the new, empty Redis: B sees the call that began meanwhile.
    await eventually(async () => (await status(b)).calls.some((call) => call.node === 'node-a'), 10_000, 'B sees A\'s call again');
    expect((await health(a)).warnings).toEqual([]);
    await phone.hangup();
  }, 45_000);
});
