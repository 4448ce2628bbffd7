/**
 * Browsers ring too: softphone accounts REGISTER with the gateway over WebSocket (digest,
 * JsSIP as the browser runs it), the bell calls every registered tab of the account, the
 * one that answers takes the call (the other stops ringing) and opens the door with 1#.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BellResult, CallOutStatus, CameraStatus, OutputState } from '@camgate/protocol';
import { FACTORY_OUTGOING_CALLS } from '@camgate/protocol';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import JsSIP from 'jssip';
import { JsSipPhone } from '../support/jssip.ts';

type RTCSession = Awaited<ReturnType<JsSipPhone['incoming']>>;

const ACCOUNT = { username: 'resident', password: 'resident-pass-1' };

describe('the camera calls registered browsers (softphone accounts)', () => {
  let gw: TestGateway;
  const phones: JsSipPhone[] = [];
  const newTab = async (password = ACCOUNT.password) => {
    const phone = await JsSipPhone.start({ wsUrl: `${gw.baseUrl.replace('http', 'ws')}/sip`, username: ACCOUNT.username, password, register: true });
    phones.push(phone);
    return phone;
  };

  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.api('PUT', `/api/softphone-accounts/${ACCOUNT.username}`, { password: ACCOUNT.password });
    const profile = { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, targets: [`softphone:${ACCOUNT.username}`], speakText: '', messageId: null };
    await gw.api('PUT', '/api/cameras/camera/outgoing-calls', { ...FACTORY_OUTGOING_CALLS, profiles: [profile] });
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((phone) => phone.close()));
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'calls gone');
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('two registered tabs ring; answering in one stops the other; 1# opens the door', async () => {
    const [first, second] = [await newTab(), await newTab()];
    await Promise.all([first.registered(), second.registered()]);
    const ringing = [first.incoming(), second.incoming()];
    const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
    const [a, b] = (await Promise.all(ringing)) as [RTCSession, RTCSession];
    expect(a.remote_identity.display_name).toBe('camera');
    const bEnded = new Promise<string>((resolve) => b.once('failed', (e: { cause: string }) => resolve(e.cause)));
    const confirmed = new Promise<void>((resolve) => a.once('confirmed', () => resolve()));
    a.answer({ mediaStream: { getTracks: () => [] } as never, pcConfig: { iceServers: [] } });
    await confirmed;
    expect(await bEnded).toBe('Canceled');
    const status = await eventually(
      async () => (await gw.api<CallOutStatus[]>('GET', '/api/cameras/camera/call-outs')).find((s) => s.id === started[0]!.id && s.done),
      10_000,
      'call-out done',
    );
    expect(status.answeredBy).toBe(`softphone:${ACCOUNT.username}`);
    a.sendDTMF('1', { transportType: JsSIP.C.DTMF_TRANSPORT.INFO });
    await new Promise((r) => setTimeout(r, 300));
    a.sendDTMF('#', { transportType: JsSIP.C.DTMF_TRANSPORT.INFO });
    await eventually(async () => (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door')?.active, 10_000, 'door open');
    a.terminate();
  });

  it('a wrong password is not registered, and a closed tab is not called', async () => {
    const wrong = await newTab('not-the-password');
    await expect(wrong.registered()).rejects.toThrow(/registration failed/);
    const tab = await newTab();
    await tab.registered();
    await tab.close();
    await new Promise((r) => setTimeout(r, 300));
    const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
    const status = await eventually(
      async () => (await gw.api<CallOutStatus[]>('GET', '/api/cameras/camera/call-outs')).find((s) => s.id === started[0]!.id && s.done),
      10_000,
      'call-out done',
    );
    expect(status.targets[0]!.state).toBe('unreachable');
  });
});
