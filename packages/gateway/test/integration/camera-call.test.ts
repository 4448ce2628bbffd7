import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry, CameraStatus, IncomingCallsSettings, LastCaller, OutputState, SettingsView } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { blocksWithTone, rms, ROOM_TEST_HZ, wavBlocks, writeRoomToneWav } from '../support/tone.ts';

const BARESIP_URI = 'sip:baresip@127.0.0.1';

async function settings(gw: TestGateway, change: Partial<IncomingCallsSettings>): Promise<void> {
  const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
  await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
}

async function callStatus(gw: TestGateway): Promise<CameraStatus['calls'][number] | undefined> {
  return (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0];
}

const latestCall = async (gw: TestGateway) => (await gw.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls'))[0]!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('calls from a SIP phone (baresip) — help page "Incoming Calls" and "Camera Remote Control"', () => {
  let gw: TestGateway;
  let recordDir: string;
  const phones: Baresip[] = [];
  const newPhone = async (withRecording = false) => {
    const phone = await Baresip.start(withRecording ? { recordDir } : {});
    phones.push(phone);
    return phone;
  };

  beforeAll(async () => {
    recordDir = await mkdtemp(join(tmpdir(), 'camgate-rec-'));
    gw = await startTestGateway(['--microphone-wav', await writeRoomToneWav(recordDir)]);
  });
  afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'calls gone');
  });
  afterAll(async () => {
    await gw.close();
    await rm(recordDir, { recursive: true, force: true });
  });

  it('answers a caller on the list, plays the welcome, takes the PIN and runs keypad commands', async () => {
    await settings(gw, { pin: '4711', acceptedCallers: [BARESIP_URI], audioMode: 'none' });
    const phone = await newPhone(true);
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => /welcome|pin/.test((await callStatus(gw))?.phase ?? ''), 10_000, 'welcome or PIN prompt');
    await pause(3000); // hear the welcome
    await phone.sendDtmf('4711#');
    await eventually(async () => (await callStatus(gw))?.phase === 'connected', 10_000, 'PIN accepted');

    await phone.sendDtmf('1#');
    await eventually(async () => (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door' && o.active), 10_000, 'door open');

    // "If the command is not acknowledged by the camera, this command is not available."
    await phone.sendDtmf('2#');
    for (const [digit, mode] of [['7', 'listen'], ['8', 'speak'], ['9', 'intercom']] as const) {
      await phone.sendDtmf(`${digit}#`);
      await eventually(async () => (await callStatus(gw))?.audioMode === mode, 10_000, `mode ${mode}`);
    }
    await phone.sendDtmf('4#');
    await pause(2500);
    await phone.sendDtmf('0#');
    await pause(3000);
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');

    const entry = await latestCall(gw);
    expect(entry.caller).toContain('baresip');
    expect(entry.outcome).toBe('completed');
    const commands = entry.commands.join('|');
    expect(commands).toMatch(/1 door opener/);
    expect(commands).toMatch(/4 date and time/);
    expect(commands).toMatch(/0 camera information/);
    expect(commands).not.toMatch(/^2 |\|2 /);
    expect(JSON.stringify(await gw.api('GET', '/api/cameras/camera/calls'))).not.toContain('4711');

    await phone.close();
    const { received } = await phone.recordings();
    expect(received).toHaveLength(1);
    const blocks = await wavBlocks(received[0]!);
    // Speech (welcome, prompts, feedback) reached the phone: many audible blocks.
    expect(blocks.filter((b) => rms(b) > 0.01).length).toBeGreaterThan(20);
  }, 90_000);

  it('does not answer a caller who is not on the list, and remembers them as the last caller', async () => {
    await settings(gw, { pin: '', acceptedCallers: ['sip:alice@example.com', '+49 30 1234-56'] });
    const phone = await newPhone();
    await phone.dial(gw.sipUri);
    const closed = await phone.waitForEvent('CALL_CLOSED');
    expect(closed.param).toMatch(/403/);
    expect(phone.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    const last = await gw.api<LastCaller>('GET', '/api/cameras/camera/last-caller');
    expect(last?.caller).toContain('baresip@127.0.0.1');
    expect(last?.answered).toBe(false);
  });

  it('answers every call when the list is empty, and none when incoming calls are off', async () => {
    await settings(gw, { pin: '', acceptedCallers: [], enabled: true });
    let phone = await newPhone();
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await phone.close();

    await settings(gw, { enabled: false });
    phone = await newPhone();
    await phone.dial(gw.sipUri);
    const closed = await phone.waitForEvent('CALL_CLOSED');
    expect(closed.param).toMatch(/480/);
    expect(phone.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    await settings(gw, { enabled: true });
  });

  it('hangs up at the maximum call time, after a warning', async () => {
    await settings(gw, { pin: '', acceptedCallers: [], hangupAfterSeconds: 15 });
    const phone = await newPhone();
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    const established = Date.now();
    await phone.waitForEvent('CALL_CLOSED', 25_000);
    const seconds = (Date.now() - established) / 1000;
    expect(seconds).toBeGreaterThan(14);
    expect(seconds).toBeLessThan(17);
    expect((await latestCall(gw)).outcome).toBe('time-limit');
    await settings(gw, { hangupAfterSeconds: 180 });
  }, 40_000);

  it('puts the caller on the speaker in Speak mode and the room microphone on the line in Listen mode', async () => {
    await settings(gw, { pin: '', acceptedCallers: [], audioMode: 'speak' });
    const phone = await newPhone(true); // baresip's microphone: a 440 Hz tone
    await phone.dial(gw.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    await eventually(async () => (await callStatus(gw))?.audioMode === 'speak', 15_000, 'speak mode');
    await pause(2000);
    await phone.sendDtmf('7#');
    await eventually(async () => (await callStatus(gw))?.audioMode === 'listen', 10_000, 'listen mode');
    await pause(3000);
    const callId = (await callStatus(gw))!.callId;
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
    await phone.close();

    const speakerFiles = await readdir(join(gw.dataDir, 'speaker'));
    const speakerFile = speakerFiles.find((f) => f.includes(callId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 20))) ?? speakerFiles.at(-1)!;
    expect(blocksWithTone(await wavBlocks(join(gw.dataDir, 'speaker', speakerFile)), 440)).toBeGreaterThan(10);
    const { received } = await phone.recordings();
    expect(blocksWithTone(await wavBlocks(received.at(-1)!), ROOM_TEST_HZ)).toBeGreaterThan(10);
    await settings(gw, { audioMode: 'none' });
  }, 60_000);

  it('emails a picture taken at the command on 5 # (real SMTP server)', async () => {
    const mails: ParsedMail[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          mails.push(mail);
          callback();
        }, callback);
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    const port = (smtp.server.address() as { port: number }).port;
    try {
      await gw.api('PUT', '/api/email-profiles/ops', {
        name: 'Operations', host: '127.0.0.1', port, security: 'none', username: '', password: '',
        from: 'camera@example.com', to: ['ops@example.com'], subject: 'Event image',
      });
      await settings(gw, { pin: '', acceptedCallers: [], emailProfileId: 'ops' });
      const phone = await newPhone();
      await phone.dial(gw.sipUri);
      await phone.waitForEvent('CALL_ESTABLISHED');
      await pause(1500);
      await phone.sendDtmf('6#'); // a User Click event with its picture
      await eventually(async () => (await latestCall(gw)).commands.some((c) => c.startsWith('6')), 10_000, 'user click');
      await phone.sendDtmf('5#');
      const mail = await eventually(() => mails[0], 15_000, 'the email');
      expect(mail.subject).toBe('Event image');
      expect(mail.attachments.some((a) => a.contentType === 'image/png' && a.content.length > 1000)).toBe(true);
      await phone.hangup();
      await phone.waitForEvent('CALL_CLOSED');
    } finally {
      await settings(gw, { emailProfileId: null });
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  }, 60_000);
});

describe('a mediasoup worker dies during a call', () => {
  it('ends the call cleanly with BYE, and the next call is answered by the new worker', async () => {
    // One mediasoup worker: the one killed is surely the one carrying the call.
    const gw = await startTestGateway(['--workers', '1']);
    const phones: Baresip[] = [];
    try {
      await settings(gw, { pin: '', acceptedCallers: [] });
      const phone = await Baresip.start();
      phones.push(phone);
      await phone.dial(gw.sipUri);
      await phone.waitForEvent('CALL_ESTABLISHED');
      const [pid] = (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).media.workerPids;
      process.kill(pid!, 'SIGKILL');
      await phone.waitForEvent('CALL_CLOSED', 15_000);
      expect((await latestCall(gw)).outcome).toBe('error');

      await eventually(async () => {
        const pids = (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).media.workerPids;
        return pids.length === 1 && pids[0] !== pid;
      }, 20_000, 'a new worker');
      const next = await Baresip.start();
      phones.push(next);
      await next.dial(gw.sipUri);
      await next.waitForEvent('CALL_ESTABLISHED');
      await next.hangup();
      await next.waitForEvent('CALL_CLOSED');
    } finally {
      for (const phone of phones) await phone.close();
      await gw.close();
    }
  }, 60_000);
});

describe('PIN brute force (help page "Security Recommendations")', () => {
  it('ends the call on the third wrong PIN and locks the caller out after five', async () => {
    const gw = await startTestGateway();
    const phones: Baresip[] = [];
    try {
      await settings(gw, { pin: '2468', acceptedCallers: [] });
      const call = async (pins: string[]) => {
        const phone = await Baresip.start();
        phones.push(phone);
        await phone.dial(gw.sipUri);
        await phone.waitForEvent('CALL_ESTABLISHED');
        for (const pin of pins) {
          await phone.sendDtmf(`${pin}#`);
          await pause(2500); // "Wrong PIN."
        }
        return phone;
      };
      const first = await call(['1111', '2222', '3333']);
      await first.waitForEvent('CALL_CLOSED', 15_000);
      expect((await latestCall(gw)).outcome).toBe('pin-failed');

      const second = await call(['4444', '5555']);
      await second.waitForEvent('CALL_CLOSED', 15_000);

      const third = await Baresip.start();
      phones.push(third);
      await third.dial(gw.sipUri);
      const closed = await third.waitForEvent('CALL_CLOSED');
      expect(closed.param).toMatch(/403/);
      expect((await latestCall(gw)).outcome).toBe('locked-out');
      // The refused third call is counted per source and reason, not logged as a call.
      expect(await gw.api('GET', '/api/calls/rejected')).toEqual([expect.objectContaining({ source: '127.0.0.1', reason: 'locked-out', count: 1 })]);
    } finally {
      for (const phone of phones) await phone.close();
      await gw.close();
    }
  }, 90_000);
});
