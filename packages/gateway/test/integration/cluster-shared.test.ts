/**
 * Issue #12, "any node answers any camera": two gateway nodes (A a process, B in this one)
 * sharing one PostgreSQL and one Redis behind the Kamailio dispatcher. What an admin does
 * on A (sign in, add a camera, store settings, an email profile) holds on B; wrong PINs of
 * one caller spread over both nodes lock that caller out on both; killing A ends only A's
 * calls, B takes the new ones, and A restarted rejoins. Without Redis, nodes on one
 * PostgreSQL follow each other by re-reading it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AudioMessage,
  CameraStatus,
  CameraView,
  EmailProfileView,
  IncomingCallsSettings,
  Lockout,
  OutgoingCallsView,
  SettingsView,
  SoftphoneAccountView,
} from '@camgate/protocol';
import { GatewayTarget } from '../attack/support/target.ts';
import { Baresip } from '../support/baresip.ts';
import { CALLER_A, CALLER_B, NODE_A, NODE_B, PROXY_HOST, startNode, type ClusterNode } from '../support/cluster.ts';
import { SHARED_REFRESH_MS } from '../../src/store/store.ts';
import { eventually, startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';
import { TestPostgres } from '../support/postgres.ts';
import { RedisServer } from '../support/redis.ts';

const PING_INTERVAL_S = 1;
const PIN = '2468';
const NODE_A_RTP = 27400;
const WEBHOOK_TOKEN = 'webhook-token-from-node-a-0123';
type Admin = Pick<ClusterNode, 'api'>;

/** Set and store on one node: the stored settings are what another node reads from the database. */
async function storeSettings(node: Admin, cameraId: string, change: Partial<IncomingCallsSettings>): Promise<void> {
  const view = await node.api<SettingsView>('GET', `/api/cameras/${cameraId}/settings`);
  await node.api('PUT', `/api/cameras/${cameraId}/settings`, { ...view.running, ...change });
  await node.api('POST', `/api/cameras/${cameraId}/settings/store`);
}

const calls = async (node: Admin, cameraId = 'camera') => (await node.api<CameraStatus>('GET', `/api/cameras/${cameraId}/status`)).calls;

describe('two gateway nodes sharing PostgreSQL and Redis behind Kamailio', () => {
  let postgres: TestPostgres;
  let redis: RedisServer;
  let nodeA: GatewayTarget;
  let nodeB: ClusterNode;
  let proxy: Kamailio;
  const phones: Baresip[] = [];

  /** A call from `host` to `user` through the proxy, redialled until `node` answers it (round robin: the second try at the latest). */
  async function callOn(node: 'node-a' | 'node-b', host: string, user = 'camera', attempts = 4): Promise<Baresip> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const phone = await Baresip.start({ host, aor: `sip:caller@${host}` });
      phones.push(phone);
      await phone.dial(`sip:${user}@${proxy.host}:${proxy.port}`);
      await phone.waitForEvent('CALL_ESTABLISHED', 15_000);
      // B's status merges both nodes' calls, each naming its node.
      const answeredBy = await eventually(async () => (await calls(nodeB, user)).find((call) => call.node !== undefined)?.node, 10_000, 'the call on a node');
      if (answeredBy === node) return phone;
      await phone.close();
      await eventually(async () => (await calls(nodeB, user)).length === 0, 10_000, 'the redialled call gone');
    }
    throw new Error(`no call through the proxy reached ${node}`);
  }

  async function hangUp(phone: Baresip, user = 'camera'): Promise<void> {
    await phone.close();
    await eventually(async () => (await calls(nodeB, user)).length === 0, 10_000, 'the call gone');
  }

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([TestPostgres.start(), RedisServer.start()]);
    const database = await postgres.createDatabase();
    const shared = ['--database', database, '--redis', redis.url];
    nodeA = await GatewayTarget.start({
      flags: [
        ...['--sip-host', NODE_A, '--announced-ip', NODE_A, '--sip-trusted-proxy', PROXY_HOST, '--workers', '1', '--audio-threads', '1', '--node-id', 'node-a'],
        // Not GatewayTarget's first block (24000-): a gateway process of another suite run at the same time takes that one.
        ...['--rtp-port-min', String(NODE_A_RTP), '--rtp-port-max', String(NODE_A_RTP + 199)],
        ...shared,
      ],
    });
    nodeB = await startNode(NODE_B, { trustedProxy: PROXY_HOST, flags: ['--node-id', 'node-b', ...shared] });
    await storeSettings(nodeA, 'camera', { pin: '', acceptedCallers: [], audioMode: 'none' });
    proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: [`sip:${NODE_A}:${nodeA.sipPort}`, nodeB.dispatcherUri], pingIntervalS: PING_INTERVAL_S });
  }, 90_000);
  afterAll(async () => {
    for (const phone of phones) await phone.close();
    await proxy?.close();
    await nodeB?.close();
    await nodeA?.stop();
    await Promise.all([redis?.close(), postgres?.close()]);
  });

  it('an admin signed in on A is signed in on B at once, and signed out on B when A signs out', async () => {
    // B started last: its admin password is the one stored.
    const login = await nodeA.login('admin', TEST_ADMIN_PASSWORD, '127.0.0.1');
    expect(login.status).toBe(204);
    const cookie = login.headers['set-cookie']![0]!.split(';')[0]!;
    const session = (node: ClusterNode | GatewayTarget) => fetch(`${node.baseUrl}/api/session`, { headers: { cookie } }).then((r) => r.status);
    expect(await session(nodeB)).toBe(200);
    expect((await nodeA.http('POST', '/api/logout', { headers: { cookie } })).status).toBe(204);
    await eventually(async () => (await session(nodeB)) === 401, 5000, 'the session ended on B');
  });

  it('what an admin changes on A (a camera added and renamed, an email profile, a softphone account, a message, Outgoing Calls) B follows, and B answers the new camera through Kamailio', async () => {
    await nodeA.api('PUT', '/api/email-profiles/office', {
      name: 'Office', host: 'mail.example.com', port: 587, security: 'starttls', username: 'door', password: 'secret',
      from: 'door@example.com', to: ['office@example.com'], subject: 'Door',
    });
    await nodeA.api('PUT', '/api/softphone-accounts/lobby', { password: 'lobby-secret' });
    await nodeA.api('PATCH', '/api/cameras/camera/messages/welcome', { name: 'Hello from A' });
    const outgoing = await nodeA.api<OutgoingCallsView>('GET', '/api/cameras/camera/outgoing-calls');
    await nodeA.api('PUT', '/api/cameras/camera/outgoing-calls', { ...outgoing.running, webhookToken: WEBHOOK_TOKEN });
    await nodeA.api('POST', '/api/cameras/camera/outgoing-calls/store');
    await eventually(async () => (await nodeB.api<SoftphoneAccountView[]>('GET', '/api/softphone-accounts')).some((account) => account.username === 'lobby'), 10_000, 'B has the account');
    await eventually(async () => (await nodeB.api<AudioMessage[]>('GET', '/api/cameras/camera/messages')).some((m) => m.name === 'Hello from A'), 10_000, 'B lists the renamed message');
    await eventually(async () => (await nodeB.api<OutgoingCallsView>('GET', '/api/cameras/camera/outgoing-calls')).stored.webhookToken === WEBHOOK_TOKEN, 10_000, 'B has the stored Outgoing Calls settings');
    await nodeA.api('POST', '/api/cameras', { id: 'gate', name: 'Gate' });
    await storeSettings(nodeA, 'gate', { audioMode: 'none' });
    await nodeA.api('PATCH', '/api/cameras/gate', { name: 'Back gate' });
    await eventually(async () => (await nodeB.api<CameraView[]>('GET', '/api/cameras')).find((c) => c.id === 'gate')?.name === 'Back gate', 10_000, 'B runs the renamed camera');
    await eventually(async () => (await nodeB.api<EmailProfileView[]>('GET', '/api/email-profiles')).some((p) => p.id === 'office'), 10_000, 'B lists the profile');
    await eventually(async () => (await nodeB.api<SettingsView>('GET', '/api/cameras/gate/settings')).stored.audioMode === 'none', 10_000, 'B has the gate\'s stored settings');

    const phone = await callOn('node-b', CALLER_B, 'gate');
    expect((await calls(nodeB, 'gate')).map((call) => call.node)).toEqual(['node-b']);
    await hangUp(phone, 'gate');
  }, 60_000);

  it('settings stored through A apply to a call B answers', async () => {
    await storeSettings(nodeA, 'camera', { pin: PIN });
    await eventually(async () => (await nodeB.api<SettingsView>('GET', '/api/cameras/camera/settings')).stored.pin === PIN, 10_000, 'B has the PIN');
    const phone = await callOn('node-b', CALLER_A);
    await eventually(async () => (await calls(nodeB))[0]?.phase === 'pin', 15_000, 'B asks for the PIN stored through A');
    await phone.sendDtmf(`${PIN}#`);
    await eventually(async () => (await calls(nodeB))[0]?.phase === 'connected', 15_000, 'the PIN accepted on B');
    await hangUp(phone);
  }, 60_000);

  it('five wrong PINs of one caller, three on one node and two on the other, lock that caller out on both; another caller still gets in', async () => {
    const first = await callOn('node-a', CALLER_A);
    await eventually(async () => (await calls(nodeB))[0]?.phase === 'pin', 15_000, 'PIN prompt on A');
    await first.sendDtmf('1#1#1#');
    await first.waitForEvent('CALL_CLOSED', 20_000);
    await hangUp(first);

    const second = await callOn('node-b', CALLER_A);
    await eventually(async () => (await calls(nodeB))[0]?.phase === 'pin', 15_000, 'PIN prompt on B');
    await second.sendDtmf('1#1#');
    // The fifth wrong PIN, counted with A's three: B locks the caller out and hangs up.
    await second.waitForEvent('CALL_CLOSED', 20_000);
    await hangUp(second);

    const lockedCaller = async (node: Admin) => (await node.api<Lockout[]>('GET', '/api/lockouts')).some((l) => l.kind === 'caller' && l.label.includes(CALLER_A));
    await eventually(() => lockedCaller(nodeB), 10_000, 'B lists the lock-out');
    await eventually(() => lockedCaller(nodeA), 10_000, 'A lists the lock-out');

    // Refused on whichever node the proxy picks: two calls, round robin.
    for (let call = 0; call < 2; call++) expect(await outcome(CALLER_A)).toMatch(/403/);
    expect(await outcome(CALLER_B)).toBe('answered');
  }, 90_000);

  it('killing A ends only A\'s calls: B keeps its call and answers every new one within the probing interval; A restarted rejoins', async () => {
    await storeSettings(nodeA, 'camera', { pin: '' });
    await eventually(async () => (await nodeB.api<SettingsView>('GET', '/api/cameras/camera/settings')).stored.pin === '', 10_000, 'B has no PIN');
    const onA = await callOn('node-a', CALLER_B);
    const onB = await callOn('node-b', CALLER_B);
    await eventually(async () => (await calls(nodeB)).length === 2, 10_000, 'both calls listed');

    await nodeA.killHard();
    // A's call leaves the shared live state once A's key expires; B's stays.
    await eventually(async () => JSON.stringify((await calls(nodeB)).map((call) => call.node)) === '["node-b"]', 15_000, 'only B\'s call left');
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_S * 1000 + 2000));
    for (let call = 0; call < 2; call++) {
      const next = await callOn('node-b', CALLER_B);
      await next.close();
      await eventually(async () => (await calls(nodeB)).length === 1, 10_000, 'the new call ended');
    }
    expect(onB.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);
    await onA.close();
    await hangUp(onB);

    await nodeA.launch();
    // A starts from the shared store: the camera added earlier runs there too.
    expect((await nodeA.api<CameraView[]>('GET', '/api/cameras')).map((c) => c.id)).toContain('gate');
    // Once the prober has seen it again (a few seconds), round robin gives A calls again.
    await hangUp(await callOn('node-a', CALLER_B, 'camera', 10));
  }, 90_000);

  /** A call from `host` through the proxy: 'answered', or the reason it closed. */
  async function outcome(host: string): Promise<string> {
    const phone = await Baresip.start({ host, aor: `sip:caller@${host}` });
    phones.push(phone);
    await phone.dial(`sip:camera@${proxy.host}:${proxy.port}`);
    const result = await Promise.race([
      phone.waitForEvent('CALL_ESTABLISHED', 15_000).then(() => 'answered'),
      phone.waitForEvent('CALL_CLOSED', 15_000).then((e) => e.param ?? 'closed'),
    ]);
    await hangUp(phone);
    return result;
  }
});

/**
 * Without Redis nothing is announced: nodes on one PostgreSQL follow each other by the
 * periodic re-read (SHARED_REFRESH_MS), and what must hold at once (sessions, sign-in
 * lock-outs) is read from the database when it is checked.
 */
describe('two gateway nodes sharing PostgreSQL only', () => {
  let postgres: TestPostgres;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    postgres = await TestPostgres.start();
    const flags = ['--database', await postgres.createDatabase(), '--workers', '1', '--audio-threads', '1'];
    a = await startTestGateway(flags);
    b = await startTestGateway(flags);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await postgres?.close();
  });

  it('a camera added on A starts on B within the re-read interval, and one removed there stops', async () => {
    await a.api('POST', '/api/cameras', { id: 'porch', name: 'Porch' });
    const ids = async () => (await b.api<CameraView[]>('GET', '/api/cameras')).map((c) => c.id);
    await eventually(async () => (await ids()).includes('porch'), SHARED_REFRESH_MS + 10_000, 'B runs the camera');
    await storeSettings(a, 'porch', { ringSeconds: 5 });
    await eventually(async () => (await b.api<SettingsView>('GET', '/api/cameras/porch/settings')).running.ringSeconds === 5, SHARED_REFRESH_MS + 10_000, 'B runs with the stored settings');
    await a.api('DELETE', '/api/cameras/porch');
    await eventually(async () => !(await ids()).includes('porch'), SHARED_REFRESH_MS + 10_000, 'B stopped the camera');
  }, 60_000);

  it('wrong admin passwords on A and on B add up: the fifth locks the sign-in out on both', async () => {
    const signIn = (node: TestGateway, password: string) =>
      fetch(`${node.baseUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) }).then((r) => r.status);
    for (const node of [a, a, a, b]) expect(await signIn(node, 'wrong')).toBe(401);
    // The fifth, on B, counts A's three: locked out at once, no waiting for a re-read.
    expect(await signIn(b, 'wrong')).toBe(401);
    expect(await signIn(a, TEST_ADMIN_PASSWORD)).toBe(429);
    expect(await signIn(b, TEST_ADMIN_PASSWORD)).toBe(429);
  });
});
