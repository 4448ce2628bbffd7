/**
 * The camera calls out (issue #14) to real phones (baresip): a doorbell ring group, an alarm
 * that must be acknowledged with the PIN, and targets that are busy, do not answer or
 * cannot be reached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BellResult, CallLogEntry, CallOutProfile, CallOutStatus, CameraEvent, CameraStatus, OutputState, SettingsView } from '@camgate/protocol';
import { FACTORY_OUTGOING_CALLS } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { freeSipPort } from '../support/ports.ts';
import { SIPP_SCENARIOS, startSippServer } from '../support/sipp.ts';
import { rms, wavBlocks } from '../support/tone.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uriOf = (phone: Baresip) => `sip:baresip@127.0.0.1:${phone.sipPort}`;

describe('the camera calls out to phones', () => {
  let gw: TestGateway;
  let recordDir: string;
  const phones: Baresip[] = [];
  const newPhone = async (options: { autoAnswer?: boolean; record?: boolean } = {}) => {
    const phone = await Baresip.start({
      accountParams: `;regint=0${options.autoAnswer ? ';answermode=auto' : ''}`,
      ...(options.record && { recordDir }),
    });
    phones.push(phone);
    return phone;
  };
  const useProfile = async (profile: Partial<CallOutProfile>) => {
    const base = FACTORY_OUTGOING_CALLS.profiles[0]!;
    await gw.api('PUT', '/api/cameras/camera/outgoing-calls', { ...FACTORY_OUTGOING_CALLS, profiles: [{ ...base, enabled: true, speakText: '', ...profile }] });
  };
  const finished = (id: string) =>
    eventually(async () => (await gw.api<CallOutStatus[]>('GET', '/api/cameras/camera/call-outs')).find((s) => s.id === id && s.done), 60_000, 'call-out done');
  const callLog = () => gw.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls');

  beforeAll(async () => {
    recordDir = await mkdtemp(join(tmpdir(), 'camgate-callout-'));
    gw = await startTestGateway();
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((phone) => phone.close()));
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 15_000, 'calls gone');
  });
  afterAll(async () => {
    await gw.close();
    await rm(recordDir, { recursive: true, force: true });
  });

  it('Ring calls two phones at once; the first to answer hears the message and opens the door with 1#, the other stops ringing', async () => {
    const answering = await newPhone({ autoAnswer: true, record: true });
    const ringing = await newPhone();
    await useProfile({ targets: [uriOf(ringing), uriOf(answering)], order: 'parallel', ringSeconds: 30, messageId: 'welcome' });
    const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
    expect(started).toHaveLength(1);
    await ringing.waitForEvent('CALL_INCOMING');
    await answering.waitForEvent('CALL_ESTABLISHED');
    // The other phone's ringing is cancelled (CANCEL → 487): baresip closes the call unanswered.
    await ringing.waitForEvent('CALL_CLOSED');
    expect(ringing.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    const status = await finished(started[0]!.id);
    expect(status.answeredBy).toBe(uriOf(answering));
    expect(status.targets.map((t) => t.state)).toEqual(['cancelled', 'answered']);

    await pause(2500); // the welcome message
    await answering.sendDtmf('1#');
    await eventually(async () => (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door')?.active, 10_000, 'door open');
    await answering.hangup();
    await answering.waitForEvent('CALL_CLOSED');
    await answering.close();
    const { received } = await answering.recordings();
    const blocks = await wavBlocks(received[0]!);
    // The message reached the phone: well over a second of speech (100 ms blocks; words have pauses between them).
    expect(blocks.filter((b) => rms(b) > 0.01).length).toBeGreaterThan(12);

    const log = await callLog();
    const answered = log.find((e) => e.commands.includes(`call-out Doorbell: answered by ${uriOf(answering)}`));
    expect(answered?.commands).toContain('1 door opener');
    expect(log.find((e) => e.caller === uriOf(ringing))?.outcome).toBe('cancelled');
  }, 60_000);

  it('an alarm the first callee does not acknowledge goes on to the next, who enters the PIN', async () => {
    const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
    await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, pin: '4711' });
    const silent = await newPhone({ autoAnswer: true });
    const keen = await newPhone({ autoAnswer: true });
    await useProfile({ targets: [uriOf(silent), uriOf(keen)], order: 'sequential', acknowledge: true, acknowledgeSeconds: 5, messageId: null, speakText: 'Alarm.' });
    const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
    await silent.waitForEvent('CALL_ESTABLISHED');
    // No PIN: after the acknowledge time the camera hangs up and calls the next one.
    await silent.waitForEvent('CALL_CLOSED', 15_000);
    await keen.waitForEvent('CALL_ESTABLISHED', 15_000);
    await pause(1500);
    await keen.sendDtmf('4711#');
    const status = await finished(started[0]!.id);
    expect(status.answeredBy).toBe(uriOf(keen));
    expect(status.targets.map((t) => t.state)).toEqual(['not-acknowledged', 'acknowledged']);
    const log = await callLog();
    const answeredBy = (phone: Baresip) => log.find((e) => e.commands.includes(`call-out Doorbell: answered by ${uriOf(phone)}`));
    expect(answeredBy(silent)?.outcome).toBe('not-acknowledged');
    expect(answeredBy(keen)).toBeDefined();
    await keen.hangup();
    await gw.api('PUT', '/api/cameras/camera/settings', view.running);
  }, 60_000);

  it('unreachable, busy and unanswered targets are skipped; nobody taking an alarm is an event', async () => {
    const closedPort = await freeSipPort();
    const busy = await newPhone();
    const deaf = await newPhone();
    const unreachable = `sip:nobody@127.0.0.1:${closedPort};transport=tcp`;
    await useProfile({ targets: [unreachable, uriOf(busy), uriOf(deaf)], order: 'sequential', ringSeconds: 5, acknowledge: true });
    const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
    await busy.waitForEvent('CALL_INCOMING');
    await busy.hangup(); // baresip turns the ringing call down: 486 Busy Here
    await deaf.waitForEvent('CALL_INCOMING');
    const status = await finished(started[0]!.id);
    expect(status.answeredBy).toBeNull();
    expect(status.targets.map((t) => t.state)).toEqual(['unreachable', 'busy', 'no-answer']);
    await deaf.waitForEvent('CALL_CLOSED'); // cancelled after the ring time
    const log = await callLog();
    expect(log.find((e) => e.caller === unreachable)?.outcome).toBe('unreachable');
    expect(log.find((e) => e.caller === uriOf(busy))?.outcome).toBe('busy');
    expect(log.find((e) => e.caller === uriOf(deaf))?.outcome).toBe('no-answer');
    const events = await gw.api<CameraEvent[]>('GET', '/api/cameras/camera/events');
    expect(events.some((e) => e.kind === 'alarm-unanswered')).toBe(true);
  }, 60_000);

  it('a callee who declines (603) is skipped for the next one, who answers', async () => {
    const decliner = await startSippServer(SIPP_SCENARIOS.uasDecline);
    try {
      const answering = await newPhone({ autoAnswer: true });
      const declining = `sip:sipp@127.0.0.1:${decliner.port}`;
      await useProfile({ targets: [declining, uriOf(answering)], order: 'sequential', ringSeconds: 10 });
      const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
      await answering.waitForEvent('CALL_ESTABLISHED');
      const status = await finished(started[0]!.id);
      expect(status.targets.map((t) => t.state)).toEqual(['declined', 'answered']);
      expect((await decliner.exited).code).toBe(0); // sipp saw its scenario through: 180, 603, our ACK
      expect((await callLog()).find((e) => e.caller === declining)?.outcome).toBe('declined');
      await answering.hangup();
    } finally {
      await decliner.stop();
    }
  }, 60_000);

  it('a message a call-out profile plays cannot be deleted', async () => {
    await useProfile({ targets: ['sip:nobody@127.0.0.1'], enabled: false, messageId: 'welcome' });
    const response = await fetch(`${gw.baseUrl}/api/cameras/camera/messages/welcome`, { method: 'DELETE', headers: { cookie: gw.cookie } });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'the message is played by a call-out profile' });
  });

  it('the bell webhook needs the camera\'s token', async () => {
    await gw.api('PUT', '/api/cameras/camera/outgoing-calls', { ...FACTORY_OUTGOING_CALLS, webhookToken: 'a'.repeat(32) });
    const hook = (token: string) => fetch(`${gw.baseUrl}/api/cameras/camera/bell/hook?token=${token}`, { method: 'POST' });
    expect((await hook('b'.repeat(32))).status).toBe(403);
    expect((await hook('')).status).toBe(403);
    const ok = await hook('a'.repeat(32));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ started: [] }); // the factory profile is off
    const events = await gw.api<CameraEvent[]>('GET', '/api/cameras/camera/events');
    expect(events.some((e) => e.kind === 'bell' && e.detail === 'bell by webhook')).toBe(true);
  });
});
