/**
 * A call-out to a phone number goes through the SIP provider (a real Kamailio): the INVITE
 * is challenged (407) and answered with the account's digest, Kamailio routes it to the
 * phone registered under that number (baresip), which answers and opens the door.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BellResult, CallOutStatus, CameraStatus, OutputState } from '@camgate/protocol';
import { FACTORY_OUTGOING_CALLS } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';

const ACCOUNT = { username: 'camgate', password: 'pr0vider-Secret' };
const NUMBER = '4930555';

describe('call-outs through a SIP provider (Kamailio)', () => {
  let provider: Kamailio;
  let gw: TestGateway;
  let phone: Baresip;

  beforeAll(async () => {
    provider = await Kamailio.start({ ...ACCOUNT, phones: [NUMBER] });
    gw = await startTestGateway([
      ...['--sip-registrar', `127.0.0.1:${provider.port}`, '--sip-username', ACCOUNT.username, '--sip-password', ACCOUNT.password],
    ]);
    phone = await Baresip.start({ aor: `sip:${NUMBER}@127.0.0.1:${provider.port}`, accountParams: ';regint=60;answermode=auto' });
    // The REGISTER may be answered before the control connection is up: read baresip's console instead.
    await phone.process.waitForOutput(new RegExp(`${NUMBER}@127.0.0.1: .* 200 OK`), 15_000);
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).registration.state === 'registered', 15_000, 'camera registered');
  });
  afterAll(async () => {
    await phone?.close();
    await gw?.close();
    await provider?.close();
  });

  it('rings the phone registered under the number; the callee opens the door', async () => {
    const profile = { ...FACTORY_OUTGOING_CALLS.profiles[0]!, enabled: true, targets: [NUMBER], speakText: '', messageId: null };
    await gw.api('PUT', '/api/cameras/camera/outgoing-calls', { ...FACTORY_OUTGOING_CALLS, profiles: [profile] });
    const { started } = await gw.api<BellResult>('POST', '/api/cameras/camera/bell');
    const established = await phone.waitForEvent('CALL_ESTABLISHED');
    expect(established.peeruri).toContain(ACCOUNT.username); // From: the camera's account at the provider
    const status = await eventually(
      async () => (await gw.api<CallOutStatus[]>('GET', '/api/cameras/camera/call-outs')).find((s) => s.id === started[0]!.id && s.done),
      15_000,
      'call-out done',
    );
    expect(status.answeredBy).toBe(NUMBER);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await phone.sendDtmf('1#');
    await eventually(async () => (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door')?.active, 10_000, 'door open');
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');
  }, 60_000);
});
