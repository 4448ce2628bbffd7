/**
 * Issue #12, "PostgreSQL stopped for 30 s and Redis stopped for 30 s during calls": node A
 * (a gateway process) and node B share one PostgreSQL database and one Redis, behind the
 * Kamailio dispatcher (new calls during the outage come through it; the others dial a node).
 * Both servers stop at once while a call runs on each node; for 30 s the calls go on, new
 * calls reach both nodes and are answered, each node says what is missing, and a Set and a
 * Store made on A take effect on A at once. Redis comes back first, then
 * PostgreSQL: B runs A's change, A's Store reaches the database once, and every call of the
 * outage is in the call log exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { CameraStatus, ClientToServerEvents, OutputState, ServerToClientEvents, SettingsView } from '@camgate/protocol';
import { GatewayTarget } from '../attack/support/target.ts';
import { Baresip } from '../support/baresip.ts';
import { applySettings, PROXY_HOST, proxiedCameraUri } from '../support/cluster.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';
import { TestPostgres, queryPostgres } from '../support/postgres.ts';
import { RedisServer } from '../support/redis.ts';

const PIN = '4711';
const NEW_PIN = '2580';
const STAGGERED_STORED_PIN = '3690';
const STAGGERED_SET_PIN = '1470';
const OUTAGE_MS = 30_000;
/** Redis is back this long before PostgreSQL: the two come back in turn, not together. */
const STAGGER_MS = 3000;

interface Health {
  ok: boolean;
  node: string;
  sharedState: string;
  database: string;
  pendingWrites: number;
  warnings: string[];
}

type Node = Pick<TestGateway, 'api' | 'sipUri' | 'baseUrl'>;

const status = (node: Node) => node.api<CameraStatus>('GET', '/api/cameras/camera/status');
const settings = (node: Node) => node.api<SettingsView>('GET', '/api/cameras/camera/settings');
const health = async (node: Node) => (await fetch(`${node.baseUrl}/api/health`)).json() as Promise<Health>;
const door = async (node: Node) => (await node.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door')!;

describe('PostgreSQL and Redis stopped for 30 s during calls on two nodes', () => {
  let postgres: TestPostgres;
  let redis: RedisServer;
  let url: string;
  let nodeA: GatewayTarget;
  let nodeB: TestGateway;
  let proxy: Kamailio;
  const phones: Baresip[] = [];
  let watcher: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  /** Every call answered during the test, by Call-ID as the camera saw it. */
  const answered = new Set<string>();
  let doorsOpened = 0;

  const query = <Row extends pg.QueryResultRow>(sql: string) => queryPostgres<Row>(url, sql);

  /**
   * Dials `uri`, waits for the PIN prompt on whichever of `pins`' nodes answered, types that
   * node's PIN and waits for the menu; returns the phone, the node and the call's id.
   */
  const call = async (uri: string, pins: ReadonlyMap<Node, string>): Promise<{ phone: Baresip; node: Node; callId: string }> => {
    const before = new Map<Node, Set<string>>();
    for (const node of pins.keys()) before.set(node, new Set((await status(node)).calls.map((c) => c.callId)));
    const phone = await Baresip.start();
    phones.push(phone);
    await phone.dial(uri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    const { node, callId } = await eventually(async () => {
      for (const [node, seen] of before) {
        const prompting = (await status(node)).calls.find((c) => !seen.has(c.callId) && c.phase === 'pin');
        if (prompting) return { node, callId: prompting.callId };
      }
      return undefined;
    }, 15_000, 'PIN prompt');
    answered.add(callId);
    await phone.sendDtmf(`${pins.get(node)!}#`);
    await eventually(async () => (await status(node)).calls.find((c) => c.callId === callId)?.phase === 'connected', 10_000, 'PIN accepted');
    return { phone, node, callId };
  };
  const callWithPin = (node: Node, pin: string) => call(node.sipUri, new Map([[node, pin]]));
  /** `1#` on a running call: the node's door opens (again). */
  const openDoor = async (node: Node, phone: Baresip) => {
    const before = (await door(node)).changedAt;
    await phone.sendDtmf('1#');
    await eventually(async () => {
      const now = await door(node);
      return now.active && now.changedAt > before;
    }, 10_000, 'door opened');
    doorsOpened += 1;
  };
  const hangUp = async (phone: Baresip) => {
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
  };

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([TestPostgres.start(), RedisServer.start()]);
    url = await postgres.createDatabase();
    const flags = (node: string) => ['--database', url, '--redis', redis.url, '--node-id', node, '--sip-trusted-proxy', PROXY_HOST, '--workers', '1', '--audio-threads', '1'];
    // A first: it migrates the database; B then starts on the migrated schema.
    nodeA = await GatewayTarget.start({ flags: flags('node-a') });
    nodeB = await startTestGateway(flags('node-b'));
    proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: [`sip:127.0.0.1:${nodeA.sipPort}`, `sip:127.0.0.1:${nodeB.sipPort}`], pingIntervalS: 1 });
    await applySettings(nodeA, { pin: PIN, acceptedCallers: [], ringSeconds: 0, audioMode: 'none' });
    await nodeA.api('POST', '/api/cameras/camera/settings/store');
    await eventually(async () => (await settings(nodeB)).stored.pin === PIN, 5000, 'B takes A\'s stored settings');
  }, 90_000);
  afterAll(async () => {
    watcher?.disconnect();
    for (const phone of phones) await phone.close();
    // Stopped first: a node left running must not outlive a failed test.
    await proxy?.close();
    await nodeA?.stop();
    await nodeB?.close();
    await redis?.close();
    await postgres?.close();
  }, 120_000);

  it('calls go on and new ones are answered; a Set and a Store made meanwhile reach B and the database once, and no call is lost or doubled', async () => {
    // An admin's camera page on node B: the status it is sent must say what is missing, and clear.
    watcher = io(nodeB.baseUrl, { transports: ['websocket'], extraHeaders: { cookie: nodeB.cookie, origin: nodeB.baseUrl } });
    const pushed: CameraStatus[] = [];
    watcher.on('status', (pushedStatus) => void pushed.push(pushedStatus));
    await new Promise<void>((resolve, reject) => watcher!.once('connect', resolve).once('connect_error', reject));
    expect(await watcher.emitWithAck('camera:watch', 'camera')).toEqual({ ok: true });
    const unreachable = (pushedStatus: CameraStatus | undefined) => pushedStatus?.warnings.filter((w) => w.includes('unreachable')) ?? [];

    const talkingA = await callWithPin(nodeA, PIN);
    const talkingB = await callWithPin(nodeB, PIN);

    const stoppedAt = Date.now();
    await Promise.all([postgres.stop(), redis.stop()]);
    for (const node of [nodeA, nodeB]) {
      await eventually(async () => {
        const now = await health(node);
        return now.database === 'database unreachable' && now.sharedState === 'unreachable';
      }, 10_000, 'health says both are unreachable');
      expect(await health(node)).toMatchObject({ ok: true, warnings: expect.arrayContaining(['database unreachable', 'shared state unreachable']) });
      expect((await status(node)).warnings).toEqual(expect.arrayContaining([expect.stringContaining('database unreachable'), 'shared state unreachable']));
    }
    await eventually(() => pushed.some((p) => unreachable(p).length === 2), 10_000, 'the camera page told of both');

    // The calls in progress go on: their keys open each node's door.
    await openDoor(nodeA, talkingA.phone);
    await openDoor(nodeB, talkingB.phone);

    // Set on A: A's next call runs it at once. Store on A: answered at once, written once PostgreSQL is back.
    await applySettings(nodeA, { pin: NEW_PIN });
    const storeAnswer = await nodeA.http('POST', '/api/cameras/camera/settings/store', { headers: { cookie: nodeA.adminCookie } });
    expect(storeAnswer.status).toBe(202);
    expect((JSON.parse(storeAnswer.body) as SettingsView).stored.pin).toBe(NEW_PIN);
    expect((await health(nodeA)).pendingWrites).toBeGreaterThan(0);

    // New calls through Kamailio, one to each node (round robin: its probes kept both in):
    // welcome, PIN (A's new one on A; B keeps the last it heard), door.
    const pins = new Map<Node, string>([[nodeA, NEW_PIN], [nodeB, PIN]]);
    const throughProxy = [await call(proxiedCameraUri(proxy), pins), await call(proxiedCameraUri(proxy), pins)];
    expect(new Set(throughProxy.map((c) => c.node)).size).toBe(2);
    for (const { node, phone } of throughProxy) {
      await openDoor(node, phone);
      await hangUp(phone);
    }
    // A call in progress ends during the outage; B's goes on past it.
    await hangUp(talkingA.phone);
    expect((await status(nodeB)).calls.map((call) => call.callId)).toEqual([talkingB.callId]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    await redis.start();
    await eventually(async () => (await settings(nodeB)).running.pin === NEW_PIN, 15_000, 'B runs A\'s Set once Redis is back');
    expect((await settings(nodeB)).stored.pin).toBe(NEW_PIN);
    await new Promise((resolve) => setTimeout(resolve, STAGGER_MS));
    await postgres.start();

    for (const node of [nodeA, nodeB]) {
      await eventually(async () => {
        const now = await health(node);
        return now.database === 'ok' && now.sharedState === 'ok' && now.pendingWrites === 0 ? now : undefined;
      }, 20_000, 'health ok and every write done');
      expect((await health(node)).warnings).toEqual([]);
      expect((await status(node)).warnings.filter((w) => /unreachable/.test(w))).toEqual([]);
    }
    await eventually(() => unreachable(pushed.at(-1)).length === 0, 10_000, 'the camera page cleared');
    // What B's page was told is B's own status (A's warnings are A's; A's calls come merged).
    expect(pushed.filter((p) => p.cluster?.node !== 'node-b').map((p) => p.cluster?.node)).toEqual([]);
    // B applies the change to its next call, and B's call from before the outage still works.
    const afterB = await callWithPin(nodeB, NEW_PIN);
    await hangUp(afterB.phone);
    await openDoor(nodeB, talkingB.phone);
    await hangUp(talkingB.phone);
    await eventually(async () => (await status(nodeB)).calls.length === 0, 10_000, 'B\'s calls ended');
    for (const node of [nodeA, nodeB]) await eventually(async () => (await health(node)).pendingWrites === 0, 10_000, 'writes done');

    const stored = await query<{ json: string }>("SELECT json FROM settings WHERE camera_id = 'camera' AND key = 'incoming-calls'");
    expect(stored.map((row) => (JSON.parse(row.json) as { pin: string }).pin)).toEqual([NEW_PIN]);
    const calls = await query<{ call_id: string; rows: number; ended: number }>('SELECT call_id, count(*)::int AS rows, count(outcome)::int AS ended FROM call_log GROUP BY call_id');
    expect(calls.map((row) => row.call_id).sort()).toEqual([...answered].sort());
    expect(calls.filter((row) => row.rows !== 1 || row.ended !== 1)).toEqual([]);
    const events = await query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM events WHERE kind IN ('call', 'door') GROUP BY kind ORDER BY kind");
    expect(events).toEqual([{ kind: 'call', n: answered.size }, { kind: 'door', n: doorsOpened }]);
    expect(await query<{ answered: number }>("SELECT answered::int AS answered FROM last_caller WHERE camera_id = 'camera'")).toEqual([{ answered: 1 }]);
    // The outage was warned about, never an error (a failed request, a dropped write, an unhandled rejection).
    expect(nodeA.logLines().filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(nodeA.stderr).not.toMatch(/unhandled|error/i);
  }, 150_000);

  it('staggered: PostgreSQL away, then Redis too, PostgreSQL back first: a Store on B reaches A at once and the database once, a Set on B reaches A when Redis is back', async () => {
    await postgres.stop();
    await eventually(async () => (await health(nodeB)).database === 'database unreachable', 10_000, 'B notices PostgreSQL is away');
    await applySettings(nodeB, { pin: STAGGERED_STORED_PIN });
    const stored = await fetch(`${nodeB.baseUrl}/api/cameras/camera/settings/store`, { method: 'POST', headers: { cookie: nodeB.cookie } });
    expect(stored.status).toBe(202);
    await eventually(async () => (await settings(nodeA)).stored.pin === STAGGERED_STORED_PIN, 5000, 'A takes B\'s Store through Redis');
    // The Outgoing Calls dialog's Store likewise.
    const outgoing = await fetch(`${nodeB.baseUrl}/api/cameras/camera/outgoing-calls/store`, { method: 'POST', headers: { cookie: nodeB.cookie } });
    expect(outgoing.status).toBe(202);

    await redis.stop();
    for (const node of [nodeA, nodeB]) await eventually(async () => (await health(node)).sharedState === 'unreachable', 10_000, 'Redis away');
    await applySettings(nodeB, { pin: STAGGERED_SET_PIN });
    // A answers with what it last heard: B's Store, not B's later Set.
    const during = await callWithPin(nodeA, STAGGERED_STORED_PIN);
    await hangUp(during.phone);

    await postgres.start();
    for (const node of [nodeA, nodeB]) {
      await eventually(async () => {
        const now = await health(node);
        return now.database === 'ok' && now.pendingWrites === 0;
      }, 20_000, 'every write done');
    }
    const rows = await query<{ key: string; json: string }>("SELECT key, json FROM settings WHERE camera_id = 'camera' ORDER BY key");
    expect(rows.map((row) => row.key)).toEqual(['incoming-calls', 'outgoing-calls']);
    expect((JSON.parse(rows[0]!.json) as { pin: string }).pin).toBe(STAGGERED_STORED_PIN);

    await redis.start();
    await eventually(async () => (await settings(nodeA)).running.pin === STAGGERED_SET_PIN, 15_000, 'A runs B\'s Set once Redis is back');
    expect(await settings(nodeA)).toMatchObject({ stored: { pin: STAGGERED_STORED_PIN }, dirty: true });
    const after = await callWithPin(nodeA, STAGGERED_SET_PIN);
    await hangUp(after.phone);
    for (const node of [nodeA, nodeB]) {
      await eventually(async () => (await health(node)).warnings.length === 0 && (await health(node)).pendingWrites === 0, 15_000, 'health ok');
    }
    const calls = await query<{ call_id: string; rows: number; ended: number }>('SELECT call_id, count(*)::int AS rows, count(outcome)::int AS ended FROM call_log GROUP BY call_id');
    expect(calls.map((row) => row.call_id).sort()).toEqual([...answered].sort());
    expect(calls.filter((row) => row.rows !== 1 || row.ended !== 1)).toEqual([]);
  }, 90_000);
});
