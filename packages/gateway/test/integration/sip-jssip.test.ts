/**
 * JsSIP (the library the browser softphone runs) over SIP-over-WebSocket (RFC 7118):
 * digest authentication of softphone accounts, a call, SIP INFO DTMF, hang-up both ways.
 * Signalling only: JsSIP runs in Node with a stub RTCPeerConnection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { JsSipPhone } from '../support/jssip.ts';
import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

describe('JsSIP softphone over WebSocket', () => {
  let fx: SipFixture;
  const phones: JsSipPhone[] = [];

  beforeEach(async () => {
    fx = await startSipFixture({ softphones: { alice: 'wonderland' } });
  });

  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.close()));
    await fx.close();
  });

  const start = async (username: string, password: string) => {
    const phone = await JsSipPhone.start({ wsUrl: fx.wsUrl!, username, password });
    phones.push(phone);
    return phone;
  };

  it('authenticates with digest (407, then INVITE with credentials) and exposes the user', async () => {
    const phone = await start('alice', 'wonderland');
    const outgoing = phone.call('sip:camera@127.0.0.1');
    const record = await fx.nextCall();
    // JsSIP sends Proxy-Authorization only in answer to our 407, so a named user proves both legs.
    expect(record.call.authenticatedUser).toBe('alice');
    expect(record.call.transport).toBe('ws');
    await outgoing.confirmed;
    await record.established;
  });

  it('sends keys as SIP INFO that arrive as dtmf events, in order', async () => {
    const phone = await start('alice', 'wonderland');
    const outgoing = phone.call('sip:camera@127.0.0.1');
    const record = await fx.nextCall();
    await outgoing.confirmed;
    const keys = '1#*9';
    const received = new Promise<void>((resolve) => record.call.on('dtmf', () => record.dtmf.length === keys.length && resolve()));
    outgoing.session.sendDTMF(keys, { duration: 100, interToneGap: 70 });
    await received;
    expect(record.dtmf.join('')).toBe(keys);
    outgoing.session.terminate();
    expect(await record.ended).toBe('remote-bye');
  });

  it('the camera hangs up: JsSIP gets the BYE over its WebSocket', async () => {
    const phone = await start('alice', 'wonderland');
    const outgoing = phone.call('sip:camera@127.0.0.1');
    const record = await fx.nextCall();
    await outgoing.confirmed;
    await record.call.hangup();
    expect(await outgoing.ended).toMatchObject({ originator: 'remote', cause: 'Terminated' });
    expect(fx.sip.stats()).toMatchObject({ dialogs: 0, calls: 0 });
  });

  it('refuses a wrong password with 403 and never offers the call to the camera', async () => {
    const phone = await start('alice', 'guess');
    const outgoing = phone.call('sip:camera@127.0.0.1');
    expect(await outgoing.ended).toMatchObject({ status: 403 });
    expect(fx.calls).toHaveLength(0);
  });

  it('a closed WebSocket ends the call with transport-error', async () => {
    const phone = await start('alice', 'wonderland');
    const outgoing = phone.call('sip:camera@127.0.0.1');
    const record = await fx.nextCall();
    await outgoing.confirmed;
    phone.dropConnection();
    expect(await record.ended).toBe('transport-error');
  });
});
