/**
 * A gateway on PostgreSQL (`--database postgres://...`): calls from a real phone (baresip) are
 * logged in the server's tables, and a server outage around a call loses nothing and doubles
 * nothing while the camera keeps answering with the settings it holds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { CameraStatus, IncomingCallsSettings, SettingsView } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { TestPostgres, queryPostgres } from '../support/postgres.ts';

const BARESIP_URI = 'sip:baresip@127.0.0.1';
const PIN = '4711';

interface Health {
  ok: boolean;
  database: string;
  pendingWrites: number;
}

interface CallLogRow {
  call_id: string;
  caller: string;
  outcome: string | null;
  commands: string;
}

describe('a gateway on PostgreSQL', () => {
  let server: TestPostgres;
  let url: string;
  let gw: TestGateway | undefined;
  let phone: Baresip | undefined;

  const query = <Row extends pg.QueryResultRow>(sql: string) => queryPostgres<Row>(url, sql);
  const status = async () => gw!.api<CameraStatus>('GET', '/api/cameras/camera/status');
  const health = async () => gw!.api<Health>('GET', '/api/health');
  const storeSettings = async (change: Partial<IncomingCallsSettings>) => {
    const view = await gw!.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw!.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
    await gw!.api('POST', '/api/cameras/camera/settings/store');
  };
  /** A call that takes the PIN and opens the door, then hangs up; returns its Call-ID as the camera saw it. */
  const callAndOpenDoor = async (): Promise<string> => {
    phone = await Baresip.start();
    await phone.dial(gw!.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    const callId = await eventually(async () => ((await status()).calls[0]?.phase === 'pin' ? (await status()).calls[0]!.callId : undefined), 15_000, 'PIN prompt');
    await phone.sendDtmf(`${PIN}#`);
    await eventually(async () => (await status()).calls[0]?.phase === 'connected', 10_000, 'PIN accepted');
    await phone.sendDtmf('1#');
    await eventually(async () => (await status()).outputs.find((o) => o.name === 'door')?.active, 10_000, 'door open');
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await eventually(async () => (await status()).calls.length === 0, 10_000, 'call gone');
    return callId;
  };

  beforeAll(async () => {
    server = await TestPostgres.start();
  }, 60_000);
  afterEach(async () => {
    await phone?.close();
    phone = undefined;
    await gw?.close();
    gw = undefined;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers a baresip call and logs it in PostgreSQL', async () => {
    url = await server.createDatabase();
    gw = await startTestGateway(['--database', url]);
    expect(await health()).toMatchObject({ ok: true, database: 'ok', pendingWrites: 0 });
    await storeSettings({ pin: PIN, acceptedCallers: [BARESIP_URI], audioMode: 'none' });
    expect((await query<{ json: string }>("SELECT json FROM settings WHERE key = 'incoming-calls'")).map((row) => (JSON.parse(row.json) as { pin: string }).pin)).toEqual([PIN]);

    const callId = await callAndOpenDoor();
    const rows = await eventually(async () => {
      const found = await query<CallLogRow>('SELECT call_id, caller, outcome, commands FROM call_log');
      return found[0]?.outcome ? found : undefined;
    }, 10_000, 'call log row');
    expect(rows.map((row) => ({ ...row, commands: JSON.parse(row.commands) as unknown }))).toEqual([
      { call_id: callId, caller: expect.stringContaining('baresip'), outcome: 'completed', commands: ['1 door opener'] },
    ]);
  }, 90_000);

  it('PostgreSQL stopped around a call: the call is answered with the settings held, and its log row arrives once when the server is back', async () => {
    url = await server.createDatabase();
    gw = await startTestGateway(['--database', url]);
    await storeSettings({ pin: PIN, acceptedCallers: [BARESIP_URI], audioMode: 'none' });

    const stoppedAt = Date.now();
    await server.stop();
    await eventually(async () => (await health()).database === 'database unreachable', 10_000, 'health: database unreachable');
    expect((await status()).warnings).toContainEqual(expect.stringContaining('database unreachable'));
    // Reads that need the server say so (503), they do not hang.
    const calls = await fetch(`${gw.baseUrl}/api/cameras/camera/calls`, { headers: { cookie: gw.cookie } });
    expect(calls.status).toBe(503);

    const callId = await callAndOpenDoor();
    expect((await health()).pendingWrites).toBeGreaterThan(0);
    // An outage of at least ten seconds, long enough for several retries.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - stoppedAt))));
    await server.start();

    await eventually(async () => {
      const now = await health();
      return now.database === 'ok' && now.pendingWrites === 0;
    }, 20_000, 'outbox drained');
    expect((await status()).warnings.filter((w) => w.includes('database unreachable'))).toEqual([]);
    const rows = await query<CallLogRow>('SELECT call_id, caller, outcome, commands FROM call_log');
    expect(rows.map((row) => ({ ...row, commands: JSON.parse(row.commands) as unknown }))).toEqual([
      { call_id: callId, caller: expect.stringContaining('baresip'), outcome: 'completed', commands: ['1 door opener'] },
    ]);
    const lastCaller = await query<{ caller: string; answered: number }>('SELECT caller, answered::int AS answered FROM last_caller');
    expect(lastCaller).toEqual([{ caller: expect.stringContaining('baresip'), answered: 1 }]);
    // The door event and the call event, each once.
    const events = await query<{ kind: string }>("SELECT kind FROM events WHERE kind IN ('door', 'call') ORDER BY id");
    expect(events.map((e) => e.kind).sort()).toEqual(['call', 'door']);
  }, 120_000);
});
