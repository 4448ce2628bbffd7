import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry, CameraStatus, CameraView, IncomingCallsSettings, OutputState, SettingsView } from '@camgate/protocol';
import { ENGINE_RATE } from '../../src/audio/contracts.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { Gateway } from '../../src/gateway.ts';
import { Baresip } from '../support/baresip.ts';
import { JsSipPhone } from '../support/jssip.ts';
import { Kamailio } from '../support/kamailio.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { blocksWithTone, wavBlocks } from '../support/tone.ts';

/**
 * Many cameras on one gateway (issue #11): two from the fleet file, two added over REST,
 * called in parallel by real phones (baresip). Each camera plays its own welcome (a tone
 * of its own pitch), a key on one drives only that camera's output, each call log holds
 * only its call, and settings stay per camera.
 */

/** Each camera's welcome: a tone of its own pitch, 2.5 s. */
const CAMERAS = [
  { id: 'frontdoor', hz: 600, from: 'file' },
  { id: 'backyard', hz: 900, from: 'file' },
  { id: 'garage', hz: 1300, from: 'rest' },
  { id: 'gate', hz: 1700, from: 'rest' },
] as const;

const CAMERAS_FILE = `
cameras:
  - id: frontdoor
    name: Front door
    settings:
      hangupAfterSeconds: 120
  - id: backyard
    name: Backyard
    sipUser: garden
`;

function toneWav(hz: number, seconds: number): Buffer {
  const samples = new Int16Array(ENGINE_RATE * seconds).map((_, i) => Math.round(9000 * Math.sin((2 * Math.PI * hz * i) / ENGINE_RATE)));
  return encodeWav(samples);
}

const sipUser = (id: string) => (id === 'backyard' ? 'garden' : id);

describe('many cameras on one gateway', () => {
  let gw: TestGateway;
  let dir: string;
  const phones: Baresip[] = [];
  const base = (id: string) => `/api/cameras/${id}`;
  const settingsOf = async (id: string) => (await gw.api<SettingsView>('GET', `${base(id)}/settings`)).running;
  const change = async (id: string, patch: Partial<IncomingCallsSettings>) =>
    gw.api('PUT', `${base(id)}/settings`, { ...(await settingsOf(id)), ...patch });
  const calls = (id: string) => gw.api<CameraStatus>('GET', `${base(id)}/status`).then((s) => s.calls);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camgate-cameras-'));
    await writeFile(join(dir, 'cameras.yaml'), CAMERAS_FILE);
    // All phones call from 127.0.0.1: let four of them ring at once.
    gw = await startTestGateway(['--cameras', join(dir, 'cameras.yaml'), '--max-pending-invites-per-source', '8', '--max-calls-per-source', '8']);
    for (const camera of CAMERAS.filter((c) => c.from === 'rest')) {
      await gw.api('POST', '/api/cameras', { id: camera.id, name: `Camera ${camera.id}` });
    }
    for (const camera of CAMERAS) {
      const upload = await fetch(`${gw.baseUrl}${base(camera.id)}/messages?name=${camera.hz}%20Hz`, {
        method: 'POST',
        headers: { cookie: gw.cookie, 'content-type': 'audio/wav' },
        body: toneWav(camera.hz, 2.5),
      });
      expect(upload.status).toBe(201);
      const { id } = (await upload.json()) as { id: string };
      await change(camera.id, { welcomeMessageId: id, pin: '', acceptedCallers: [], audioMode: 'none', hangupAfterSeconds: 60 });
    }
  });
  afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
  });
  afterAll(async () => {
    await gw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the default camera, the file’s and the added ones, each with its SIP address', async () => {
    const list = await gw.api<CameraView[]>('GET', '/api/cameras');
    expect(list.map((c) => c.id)).toEqual(['camera', 'frontdoor', 'backyard', 'garage', 'gate']);
    expect(list.find((c) => c.id === 'frontdoor')).toMatchObject({ name: 'Front door', sipUser: 'frontdoor', sipAddress: `sip:frontdoor@127.0.0.1:${gw.sipPort}` });
    expect(list.find((c) => c.id === 'backyard')).toMatchObject({ sipUser: 'garden', sipAddress: `sip:garden@127.0.0.1:${gw.sipPort}` });
    // The file's settings were applied and stored.
    expect((await gw.api<SettingsView>('GET', `${base('frontdoor')}/settings`)).stored.hangupAfterSeconds).toBe(120);
    // A second camera at a taken SIP user, or a bad id, is refused naming the field.
    const taken = await fetch(`${gw.baseUrl}/api/cameras`, {
      method: 'POST',
      headers: { cookie: gw.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'other', name: 'Other', sipUser: 'GARDEN' }),
    });
    expect(taken.status).toBe(400);
    expect(await taken.json()).toMatchObject({ field: 'sipUser' });
    const bad = await fetch(`${gw.baseUrl}/api/cameras`, {
      method: 'POST',
      headers: { cookie: gw.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'Bad Id', name: 'x' }),
    });
    expect(await bad.json()).toMatchObject({ field: 'id' });
    expect((await fetch(`${gw.baseUrl}/api/cameras/nowhere/settings`, { headers: { cookie: gw.cookie } })).status).toBe(404);
  });

  it('four phones call four cameras at once: each hears its own welcome, a key drives only its camera, each log holds only its call', async () => {
    const recordDir = await mkdtemp(join(dir, 'rec-'));
    const started = await Promise.all(CAMERAS.map(async (camera) => {
      const own = await mkdtemp(join(recordDir, `${camera.id}-`));
      const phone = await Baresip.start({ recordDir: own });
      phones.push(phone);
      return { camera, phone };
    }));
    await Promise.all(started.map(({ camera, phone }) => phone.dial(`sip:${sipUser(camera.id)}@127.0.0.1:${gw.sipPort}`)));
    await Promise.all(started.map(({ phone }) => phone.waitForEvent('CALL_ESTABLISHED', 15_000)));
    for (const { camera } of started) {
      await eventually(async () => (await calls(camera.id))[0]?.phase === 'connected', 15_000, `${camera.id} past its welcome`);
    }
    // Every camera has exactly its one call.
    for (const { camera } of started) expect(await calls(camera.id)).toHaveLength(1);
    expect(await calls('camera')).toHaveLength(0);

    const [first] = started;
    await first!.phone.sendDtmf('1#');
    await eventually(async () => (await gw.api<OutputState[]>('GET', `${base(first!.camera.id)}/outputs`)).find((o) => o.name === 'door' && o.active), 10_000, 'door of the first camera');
    for (const { camera } of started.slice(1)) {
      expect((await gw.api<OutputState[]>('GET', `${base(camera.id)}/outputs`)).find((o) => o.name === 'door')!.active).toBe(false);
    }

    const callIds = new Map<string, string>();
    for (const { camera } of started) callIds.set(camera.id, (await calls(camera.id))[0]!.callId);
    for (const { phone } of started) await phone.hangup();
    await Promise.all(started.map(({ phone }) => phone.waitForEvent('CALL_CLOSED')));

    for (const { camera, phone } of started) {
      const log = await gw.api<CallLogEntry[]>('GET', `${base(camera.id)}/calls`);
      expect(log.map((entry) => entry.callId)).toEqual([callIds.get(camera.id)]);
      expect(log[0]!.commands.join('|').includes('door opener')).toBe(camera === first!.camera);
      const events = await gw.api<{ kind: string }[]>('GET', `${base(camera.id)}/events`);
      expect(events.some((e) => e.kind === 'door')).toBe(camera === first!.camera);

      await phone.close();
      const { received } = await phone.recordings();
      const blocks = await wavBlocks(received[0]!);
      // Its own welcome for a good part of 2.5 s; never another camera's.
      expect(blocksWithTone(blocks, camera.hz), `${camera.id} hears ${camera.hz} Hz`).toBeGreaterThan(10);
      for (const other of CAMERAS.filter((c) => c !== camera)) expect(blocksWithTone(blocks, other.hz), `${camera.id} hears no ${other.hz} Hz`).toBe(0);
    }
    expect(await gw.api<CallLogEntry[]>('GET', `${base('camera')}/calls`)).toEqual([]);
  }, 90_000);

  it('settings changed on one camera leave the others untouched', async () => {
    const before = await Promise.all(CAMERAS.map((c) => settingsOf(c.id)));
    await change('garage', { hangupAfterSeconds: 77, acceptedCallers: ['sip:alice@example.com'] });
    await gw.api('POST', `${base('garage')}/settings/store`);
    const after = await Promise.all(CAMERAS.map((c) => settingsOf(c.id)));
    CAMERAS.forEach((camera, i) => {
      if (camera.id === 'garage') expect(after[i]).toMatchObject({ hangupAfterSeconds: 77, acceptedCallers: ['sip:alice@example.com'] });
      else expect(after[i]).toEqual(before[i]);
    });
  });

  it('a softphone account restricted to chosen cameras calls those and gets 403 from the others', async () => {
    await gw.api('PUT', '/api/softphone-accounts/kiosk', { password: 'kiosk-password', cameras: ['frontdoor'] });
    const phone = await JsSipPhone.start({ wsUrl: `${gw.baseUrl.replace('http', 'ws')}/sip`, username: 'kiosk', password: 'kiosk-password' });
    try {
      const refused = phone.call('sip:garden@127.0.0.1');
      expect(await refused.ended).toMatchObject({ status: 403 });
      const allowed = phone.call('sip:frontdoor@127.0.0.1');
      await allowed.confirmed;
      allowed.session.terminate();
      await allowed.ended;
    } finally {
      await phone.close();
    }
    expect((await gw.api<{ username: string; cameras: string[] | null }[]>('GET', '/api/softphone-accounts')).find((a) => a.username === 'kiosk')?.cameras).toEqual(['frontdoor']);
  });

  it('an unknown SIP user gets 404', async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    await phone.dial(`sip:nobody@127.0.0.1:${gw.sipPort}`);
    const closed = await phone.waitForEvent('CALL_CLOSED');
    expect(closed.param).toMatch(/404/);
  });

  it('removing a camera during a call ends the call with a BYE and keeps nothing of it', async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    await phone.dial(`sip:gate@127.0.0.1:${gw.sipPort}`);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await calls('gate')).length === 1, 10_000, 'the call at gate');
    await gw.api('DELETE', base('gate'));
    const closed = await phone.waitForEvent('CALL_CLOSED');
    // baresip reports a BYE from the far end as "Connection reset by peer".
    expect(closed.param).toMatch(/reset by peer|terminated/i);
    expect((await gw.api<CameraView[]>('GET', '/api/cameras')).map((c) => c.id)).not.toContain('gate');
    expect((await fetch(`${gw.baseUrl}${base('gate')}/calls`, { headers: { cookie: gw.cookie } })).status).toBe(404);
    // Nothing left behind: a new camera of the same id starts empty.
    await gw.api('POST', '/api/cameras', { id: 'gate', name: 'Gate again' });
    expect(await gw.api('GET', `${base('gate')}/calls`)).toEqual([]);
    expect(await gw.api('GET', `${base('gate')}/events`)).toEqual([]);
    expect((await gw.api<{ builtin: boolean }[]>('GET', `${base('gate')}/messages`)).every((m) => m.builtin)).toBe(true);
    // And the others still take calls.
    const other = await Baresip.start();
    phones.push(other);
    await other.dial(`sip:frontdoor@127.0.0.1:${gw.sipPort}`);
    await other.waitForEvent('CALL_ESTABLISHED');
  });
});

describe('a camera with its own SIP provider account', () => {
  it('registers, and the calls the provider delivers reach that camera, not the default one', async () => {
    const account = { username: 'lobby4930', password: 'lobby-Secret' };
    const provider = await Kamailio.start(account);
    const gw = await startTestGateway();
    const phone = await Baresip.start();
    try {
      await gw.api('POST', '/api/cameras', {
        id: 'lobby',
        name: 'Lobby',
        registration: { registrar: `127.0.0.1:${provider.port}`, username: account.username, password: account.password },
      });
      const view = await gw.api<CameraView>('GET', '/api/cameras/lobby');
      expect(view.registration).toEqual({ registrar: `127.0.0.1:${provider.port}`, transport: 'udp', username: account.username, aor: 'sip:lobby4930@127.0.0.1' });
      expect(JSON.stringify(await gw.api('GET', '/api/cameras'))).not.toContain(account.password);
      await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/lobby/status')).registration.state === 'registered', 15_000, 'lobby registered');
      expect((await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).registration.state).toBe('disabled');

      // Dialled at the provider: the Request-URI that arrives is the registration's Contact, not "lobby".
      await phone.dial(`sip:${account.username}@127.0.0.1:${provider.port}`);
      await phone.waitForEvent('CALL_ESTABLISHED');
      await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/lobby/status')).calls.length === 1, 10_000, 'the call at the lobby');
      expect((await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls).toEqual([]);
      await phone.hangup();
      await phone.waitForEvent('CALL_CLOSED');
    } finally {
      await phone.close();
      await gw.close();
      await provider.close();
    }
  }, 60_000);
});

describe('the fleet file', () => {
  it('a bad entry stops start-up naming the camera and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'camgate-cameras-bad-'));
    try {
      const file = join(dir, 'cameras.json');
      await writeFile(file, JSON.stringify({ cameras: [{ id: 'ok', name: 'Fine' }, { id: 'porch', name: 'Porch', sipUser: 'has space' }] }));
      const config = loadConfig(['--data-dir', join(dir, 'data'), '--http-port', '0', '--sip-port', '0', '--announced-ip', '127.0.0.1', '--cameras', file]);
      await expect(Gateway.start(config, createLogger('silent'))).rejects.toThrow(/camera "porch", field sipUser: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
