/**
 * Linphone (linphonec, liblinphone 5.1) calls the camera and types keys, sent as SIP INFO
 * (application/dtmf-relay): they must reach the call as dtmf events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Linphonec } from '../support/linphone.ts';
import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

describe('linphonec calls the camera', () => {
  let fx: SipFixture;
  let phone: Linphonec;

  beforeEach(async () => {
    fx = await startSipFixture();
    phone = await Linphonec.start({ dtmf: 'sip-info' });
  });

  afterEach(async () => {
    await phone.close();
    await fx.close();
  });

  it('the call is answered, SIP INFO keys arrive as dtmf events, linphone hangs up', async () => {
    await phone.call(`sip:camera@127.0.0.1:${fx.udpPort}`);
    const record = await fx.nextCall();
    expect(record.call.from.user).toBe('linphone');
    await record.established;
    const received = new Promise<void>((resolve) => record.call.on('dtmf', () => record.dtmf.length === 3 && resolve()));
    await phone.sendDtmf('4*#');
    await received;
    expect(record.dtmf).toEqual(['4', '*', '#']);
    await phone.terminate();
    expect(await record.ended).toBe('remote-bye');
    expect(fx.sip.stats()).toMatchObject({ dialogs: 0, calls: 0 });
  }, 45_000);
});
