/**
 * The stack calls baresip (UAC, late offer): answered, CANCEL while ringing, busy, an
 * unreachable target.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { NameAddr, parseUri, SipUri } from '../../src/sip/message/index.ts';
import type { OutgoingCall } from '../../src/sip/ua/outgoing-call.ts';
import { Baresip } from '../support/baresip.ts';
import { freeSipPort } from '../support/ports.ts';
import { pcmuAnswer, startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

describe('the stack calls baresip', () => {
  let fx: SipFixture;
  const phones: Baresip[] = [];

  beforeEach(async () => {
    fx = await startSipFixture({ stack: { timers: { T1: 50 } } });
  });

  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.close()));
    await fx.close();
  });

  const dial = (phone: Baresip, transport: 'udp' | 'tcp' = 'udp'): OutgoingCall =>
    fx.sip.call({
      target: parseUri(`sip:baresip@127.0.0.1:${phone.sipPort}`),
      from: new NameAddr(new SipUri({ user: 'camera', host: '127.0.0.1' }), 'Front door'),
      destination: { protocol: transport, host: '127.0.0.1', port: phone.sipPort },
    });

  it('an auto-answering phone: the 2xx brings its offer, our ACK the answer; baresip hangs up', async () => {
    const phone = await Baresip.start({ accountParams: ';regint=0;answermode=auto' });
    phones.push(phone);
    const call = dial(phone);
    const result = await call.result;
    expect(result.answered).toBe(true);
    if (!result.answered) return;
    expect(result.offer).toContain('m=audio');
    call.acknowledge(pcmuAnswer(fx.mediaPort));
    await phone.waitForEvent('CALL_ESTABLISHED');
    const ended = new Promise((resolve) => call.once('ended', resolve));
    await phone.hangup();
    expect(await ended).toBe('remote-bye');
  });

  it('a ringing phone is cancelled (CANCEL after 180; baresip sees the call closed)', async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    const call = dial(phone);
    await phone.waitForEvent('CALL_INCOMING');
    await new Promise<void>((resolve) => (call.state === 'ringing' ? resolve() : call.once('progress', () => resolve())));
    call.cancel();
    expect(await call.result).toMatchObject({ answered: false, failure: 'cancelled' });
    await phone.waitForEvent('CALL_CLOSED');
    await fx.waitForStats((s) => s.calls === 0 && s.dialogs === 0, 10_000);
  });

  it('a phone that rejects the ringing call (baresip answers 486) ends busy', async () => {
    const phone = await Baresip.start();
    phones.push(phone);
    const call = dial(phone, 'tcp');
    await phone.waitForEvent('CALL_INCOMING');
    await phone.hangup();
    expect(await call.result).toMatchObject({ answered: false, failure: 'busy', status: 486 });
  });

  it('nobody listens at the target: unreachable (TCP refused)', async () => {
    const port = await freeSipPort();
    const call = fx.sip.call({
      target: parseUri(`sip:nobody@127.0.0.1:${port};transport=tcp`),
      from: new NameAddr(new SipUri({ user: 'camera', host: '127.0.0.1' })),
      destination: { protocol: 'tcp', host: '127.0.0.1', port },
    });
    expect(await call.result).toMatchObject({ answered: false, failure: 'unreachable' });
  });
});
