/**
 * Calls through a SIP provider, end to end: a whole gateway started with `--sip-registrar`
 * registers with a real Kamailio (digest auth), the camera UI's status shows it, and a SIP
 * phone (baresip) that dials the camera's address of record AT THE PROVIDER reaches the
 * camera through Kamailio's proxy: welcome, PIN by DTMF, `1#` opens the door. The accepted
 * list judges the caller's From as the provider passes it on, not the proxy's address.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry, CameraStatus, IncomingCallsSettings, LastCaller, OutputState, SettingsView } from '@camgate/protocol';

import { Baresip } from '../support/baresip.ts';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';

const ACCOUNT = { username: 'camgate', password: 'pr0vider-Secret' };
const BARESIP_URI = 'sip:baresip@127.0.0.1';

const providerFlags = (provider: Kamailio, password = ACCOUNT.password, transport: 'udp' | 'tcp' = 'udp') => [
  ...['--sip-registrar', `127.0.0.1:${provider.port}`, '--sip-registrar-transport', transport],
  ...['--sip-username', ACCOUNT.username, '--sip-password', password],
];

const registrationOf = async (gw: TestGateway) => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).registration;

async function settings(gw: TestGateway, change: Partial<IncomingCallsSettings>): Promise<void> {
  const view = await gw.api<SettingsView>('GET', '/api/cameras/camera/settings');
  await gw.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
}

const callPhase = async (gw: TestGateway) => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0]?.phase;

describe('calls through a SIP provider (Kamailio registrar + proxy)', () => {
  let provider: Kamailio;
  let gw: TestGateway;
  const phones: Baresip[] = [];
  const newPhone = async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    return phone;
  };
  /** The camera's address of record at the provider: what a caller dials. */
  const cameraAtProvider = () => `sip:${ACCOUNT.username}@127.0.0.1:${provider.port}`;

  beforeAll(async () => {
    provider = await Kamailio.start(ACCOUNT);
    gw = await startTestGateway(providerFlags(provider));
  });
  afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    await eventually(async () => (await gw.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'calls gone');
  });
  afterAll(async () => {
    await gw?.close();
    await provider?.close();
  });

  it('registers with digest auth and shows it in the camera status', async () => {
    const registration = await eventually(async () => {
      const r = await registrationOf(gw);
      return r.state === 'registered' && r;
    }, 15_000, 'registered');
    expect(registration).toEqual({ state: 'registered', aor: 'sip:camgate@127.0.0.1', detail: 'expires 600s' });
  });

  it('a caller dialling the camera at the provider is answered like a direct call: welcome, PIN, 1# opens the door', async () => {
    await settings(gw, { pin: '4711', acceptedCallers: [BARESIP_URI], answerTo: [ACCOUNT.username], audioMode: 'none' });
    const phone = await newPhone();
    await phone.dial(cameraAtProvider());
    await phone.waitForEvent('CALL_ESTABLISHED');
    // The camera's phases: ringing -> welcome (the message plays) -> pin.
    await eventually(async () => (await callPhase(gw)) === 'pin', 15_000, 'welcome played, PIN asked');
    await phone.sendDtmf('4711#');
    await eventually(async () => (await callPhase(gw)) === 'connected', 10_000, 'PIN accepted');
    await phone.sendDtmf('1#');
    await eventually(async () => (await gw.api<OutputState[]>('GET', '/api/cameras/camera/outputs')).find((o) => o.name === 'door' && o.active), 10_000, 'door open');
    await phone.hangup();
    await phone.waitForEvent('CALL_CLOSED');

    const entry = await eventually(async () => {
      const [latest] = await gw.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls');
      return latest?.outcome !== null && latest;
    }, 10_000, 'call logged');
    expect(entry).toMatchObject({ caller: BARESIP_URI, outcome: 'completed' });
    expect(entry.commands.join('|')).toMatch(/1 door opener/);
  }, 60_000);

  it('judges the caller by the From the provider passes on: a caller not on the list is refused', async () => {
    // The proxy (127.0.0.1, like every caller here) is not what the list is about.
    await settings(gw, { pin: '', acceptedCallers: ['sip:alice@example.com'] });
    const phone = await newPhone();
    await phone.dial(cameraAtProvider());
    const closed = await phone.waitForEvent('CALL_CLOSED');
    expect(closed.param).toMatch(/403/);
    expect(phone.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    const last = await gw.api<LastCaller>('GET', '/api/cameras/camera/last-caller');
    expect(last).toMatchObject({ caller: BARESIP_URI, answered: false });
  });

  it('with --sip-registrar-transport tcp and its own --sip-aor registers over TCP, and the provider\'s calls arrive over TCP', async () => {
    // Another AoR, so Kamailio does not fork the call to the first gateway as well.
    const aor = 'sip:frontdoor@127.0.0.1';
    const overTcp = await startTestGateway([...providerFlags(provider, ACCOUNT.password, 'tcp'), '--sip-aor', aor]);
    try {
      const registration = await eventually(async () => {
        const r = await registrationOf(overTcp);
        return r.state === 'registered' && r;
      }, 15_000, 'registered over TCP');
      expect(registration.aor).toBe(aor);
      await settings(overTcp, { pin: '', acceptedCallers: [], answerTo: ['frontdoor'] });
      const phone = await newPhone();
      await phone.dial(`sip:frontdoor@127.0.0.1:${provider.port}`);
      await phone.waitForEvent('CALL_ESTABLISHED');
      const [call] = (await overTcp.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls;
      expect(call).toMatchObject({ caller: BARESIP_URI, transport: 'tcp' });
      await phone.hangup();
      await phone.waitForEvent('CALL_CLOSED');
      await eventually(async () => (await overTcp.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls.length === 0, 10_000, 'call ended');
    } finally {
      await overTcp.close();
    }
  }, 60_000);

  it('reports failed with the reason when the provider refuses the password', async () => {
    const wrong = await startTestGateway(providerFlags(provider, 'not-the-password'));
    try {
      const registration = await eventually(async () => {
        const r = await registrationOf(wrong);
        return r.state === 'failed' && r;
      }, 15_000, 'registration failed');
      expect(registration).toEqual({ state: 'failed', aor: 'sip:camgate@127.0.0.1', detail: '401 authentication failed' });
    } finally {
      await wrong.close();
    }
  });

  it('without --sip-registrar the status says registration is disabled', async () => {
    const plain = await startTestGateway();
    try {
      expect(await registrationOf(plain)).toEqual({ state: 'disabled', aor: null, detail: 'no SIP provider configured' });
    } finally {
      await plain.close();
    }
  });
});
