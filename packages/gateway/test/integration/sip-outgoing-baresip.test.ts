/**
 * The stack calls baresip (UAC, late offer): answered, CANCEL while ringing, busy, an
 * unreachable target.
 */
import { createSocket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createResponse, NameAddr, parseMessage, parseUri, SipRequest, SipUri } from '../../src/sip/message/index.ts';
import type { OutgoingCall } from '../../src/sip/ua/outgoing-call.ts';
import { Baresip } from '../support/baresip.ts';
import { eventually } from '../support/gateway.ts';
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

/**
 * Races no real phone stages on cue, played by a scripted UDP callee: its 2xx crosses our
 * CANCEL; it retransmits the 2xx.
 */
describe('outgoing call races (scripted callee)', () => {
  it('a 2xx that crosses our CANCEL is ACKed, then ended with BYE; each 2xx retransmission is ACKed', async () => {
    const fx = await startSipFixture({ stack: { timers: { T1: 50 } } });
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const port = socket.address().port;
    const seen: SipRequest[] = [];
    socket.on('message', (data, from) => {
      const parsed = parseMessage(data);
      if (!parsed.ok || !(parsed.message instanceof SipRequest)) return;
      const request = parsed.message;
      seen.push(request);
      const reply = (message: ReturnType<typeof createResponse>) => socket.send(message.toBuffer(), from.port, from.address);
      if (request.method === 'INVITE') reply(createResponse(request, 180, { toTag: 'callee' }));
      if (request.method === 'BYE') reply(createResponse(request, 200));
      if (request.method === 'CANCEL') {
        reply(createResponse(request, 200, { toTag: 'callee' }));
        // It had answered already: the 200 for the INVITE arrives after our CANCEL, twice.
        const invite = seen.find((r) => r.method === 'INVITE')!;
        const ok = createResponse(invite, 200, {
          toTag: 'callee',
          headers: [['Contact', `<sip:callee@127.0.0.1:${port}>`], ['Content-Type', 'application/sdp']],
          body: pcmuAnswer(port + 1),
        });
        reply(ok);
        setTimeout(() => reply(ok), 100);
      }
    });
    try {
      const call = fx.sip.call({
        target: parseUri(`sip:callee@127.0.0.1:${port}`),
        from: new NameAddr(new SipUri({ user: 'camera', host: '127.0.0.1' })),
        destination: { protocol: 'udp', host: '127.0.0.1', port },
      });
      await new Promise<void>((resolve) => call.once('progress', () => resolve()));
      call.cancel();
      expect(await call.result).toMatchObject({ answered: false, failure: 'cancelled' });
      await eventually(() => seen.filter((r) => r.method === 'ACK').length >= 2 && seen.some((r) => r.method === 'BYE'), 5000, 'ACK, BYE, ACK again');
      const methods = seen.map((r) => r.method);
      expect(methods.slice(0, 2)).toEqual(['INVITE', 'CANCEL']);
      expect(methods.indexOf('ACK')).toBeLessThan(methods.indexOf('BYE'));
      const ack = seen.find((r) => r.method === 'ACK')!;
      expect(ack.cseq).toEqual({ seq: seen[0]!.cseq.seq, method: 'ACK' });
      expect(ack.to.tag).toBe('callee');
      expect(ack.uri.toString()).toBe(`sip:callee@127.0.0.1:${port}`);
    } finally {
      socket.close();
      await fx.close();
    }
  });
});
