import { describe, expect, it } from 'vitest';

import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';
import { parseMessage, parseNameAddr, type SipRequest, type SipResponse } from '../../../../src/sip/message/index.ts';
import { SipError } from '../../../../src/sip/sip-error.ts';
import type { MessageSource } from '../../../../src/sip/transport/transport.ts';
import { IncomingCall, type CallPorts } from '../../../../src/sip/ua/incoming-call.ts';

// Unit tests with fake ports; the real-peer behaviour is in test/integration/sip-*.test.ts.

const T1 = 500;
const T2 = 4000;
const OFFER = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ANSWER = OFFER.replace('192.0.2.1', '192.0.2.10');

function parse(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || !result.message.isRequest()) throw new Error(`bad test message: ${result.ok ? '' : result.error.message}`);
  return result.message;
}

function request(method: string, seq: number, options: { toTag?: string; body?: string; contentType?: string; extra?: string[] } = {}): SipRequest {
  const body = options.body ?? '';
  return parse(
    [
      `${method} sip:camera@192.0.2.10 SIP/2.0`,
      `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-${method}-${seq}`,
      'Max-Forwards: 70',
      'From: "Alice" <sip:alice@example.com>;tag=a1',
      `To: <sip:camera@192.0.2.10>${options.toTag ? `;tag=${options.toTag}` : ''}`,
      'Call-ID: call-1',
      `CSeq: ${seq} ${method}`,
      'Contact: <sip:alice@192.0.2.1:5060>',
      ...(body ? [`Content-Type: ${options.contentType ?? 'application/sdp'}`] : []),
      ...(options.extra ?? []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

const source: MessageSource = { protocol: 'udp', remoteAddress: '192.0.2.1', remotePort: 5060, localAddress: '192.0.2.10', localPort: 5060 };

function setup(options: { offer?: boolean; reliable?: boolean; verifiedTarget?: boolean } = {}) {
  const clock = new FakeClock();
  const sent = { invite: [] as SipResponse[], retransmits: [] as SipResponse[], inDialog: [] as SipRequest[] };
  const ports: CallPorts = {
    respondToInvite: async (r) => void sent.invite.push(r),
    retransmit: async (r) => void sent.retransmits.push(r),
    sendInDialog: async (r) => {
      sent.inDialog.push(r);
      return { status: 200 } as SipResponse;
    },
    localContact: parseNameAddr('<sip:camera@192.0.2.10:5060>'),
    reliable: options.reliable ?? false,
    byeTargetVerified: () => options.verifiedTarget ?? true,
  };
  const invite = request('INVITE', 1, options.offer === false ? {} : { body: OFFER });
  const call = new IncomingCall({ invite, source, ports, clock, logger: createLogger('silent'), timers: { T1, T2 }, userAgent: 'camgate-test' }, 'b1');
  const ended: string[] = [];
  call.on('ended', (cause) => ended.push(cause));
  const inDialog = (method: string, seq: number, opts: { body?: string; contentType?: string; extra?: string[] } = {}) => {
    const responses: SipResponse[] = [];
    call.receiveRequest(request(method, seq, { ...opts, toTag: 'b1' }), (r) => responses.push(r));
    return responses;
  };
  return { clock, sent, call, ended, inDialog };
}

describe('IncomingCall: answering (RFC 3261 §13.3)', () => {
  it('exposes caller, callee and the offer', () => {
    const { call } = setup();
    expect(call.from).toEqual({ uri: 'sip:alice@example.com', user: 'alice', host: 'example.com', displayName: 'Alice' });
    expect(call.requestUser).toBe('camera');
    expect(call.offer).toBe(OFFER);
    expect(call.remote).toEqual({ address: '192.0.2.1', port: 5060 });
  });

  it('rings with a To-tag and Contact, then answers with the SDP and the same tag', () => {
    const { call, sent } = setup();
    call.ring();
    void call.accept(ANSWER);
    const [ringing, ok] = sent.invite;
    expect(ringing!.status).toBe(180);
    expect(ringing!.to.tag).toBe('b1');
    expect(ringing!.header('Contact')).toBe('<sip:camera@192.0.2.10:5060>');
    expect(ok!.status).toBe(200);
    expect(ok!.to.tag).toBe('b1');
    expect(ok!.body.toString()).toBe(ANSWER);
    expect(ok!.header('Content-Type')).toBe('application/sdp');
    expect(ok!.header('Allow')).toContain('INFO');
    expect(call.dialog?.state).toBe('confirmed');
  });

  it('retransmits the 200 at T1, 2T1, 4T1 ... capped at T2 until the ACK (§13.3.1.4)', async () => {
    const { call, sent, clock } = setup();
    const acked = call.accept(ANSWER);
    const times: number[] = [];
    const start = clock.now();
    for (let t = 0; t < 12_000; t += 50) {
      const before = sent.retransmits.length;
      clock.advance(50);
      if (sent.retransmits.length > before) times.push(clock.now() - start);
    }
    expect(times).toEqual([500, 1500, 3500, 7500, 11500]);
    call.receiveAck(request('ACK', 1, { toTag: 'b1' }));
    await expect(acked).resolves.toBeUndefined();
    expect(call.state).toBe('established');
    clock.advance(60_000);
    expect(sent.retransmits).toHaveLength(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not retransmit over a reliable transport', () => {
    const { call, sent, clock } = setup({ reliable: true });
    void call.accept(ANSWER).catch(() => undefined);
    clock.advance(10_000);
    expect(sent.retransmits).toHaveLength(0);
  });

  it('without an ACK ends the call without BYE when the target is unverified (no reflection), freeing everything at 64*T1', async () => {
    const { call, sent, clock, ended } = setup({ verifiedTarget: false });
    const acked = call.accept(ANSWER);
    clock.advance(64 * T1);
    await expect(acked).rejects.toThrow(/ack-timeout/);
    expect(ended).toEqual(['ack-timeout']);
    expect(call.state).toBe('terminated');
    expect(sent.inDialog).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends BYE when no ACK arrives within 64*T1 to a verified target and reports ack-timeout', async () => {
    const { call, sent, clock, ended } = setup();
    const acked = call.accept(ANSWER);
    clock.advance(64 * T1);
    await expect(acked).rejects.toThrow(/ack-timeout/);
    expect(ended).toEqual(['ack-timeout']);
    expect(sent.inDialog.map((r) => r.method)).toEqual(['BYE']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('holds a hang-up requested before the ACK until the ACK arrives (§15)', async () => {
    const { call, sent } = setup();
    void call.accept(ANSWER);
    const hungUp = call.hangup('bye');
    expect(sent.inDialog).toHaveLength(0);
    call.receiveAck(request('ACK', 1, { toTag: 'b1' }));
    await hungUp;
    expect(sent.inDialog.map((r) => r.method)).toEqual(['BYE']);
    expect(sent.inDialog[0]!.header('Reason')).toBe('SIP;cause=200;text="bye"');
    expect(call.state).toBe('terminated');
  });

  it('answers an offerless INVITE with an offer and delivers the ACK\'s answer', async () => {
    const { call } = setup({ offer: false });
    expect(call.offer).toBeUndefined();
    const answers: string[] = [];
    call.on('answer', (sdp) => answers.push(sdp));
    const acked = call.accept(ANSWER);
    call.receiveAck(request('ACK', 1, { toTag: 'b1', body: OFFER }));
    await acked;
    expect(answers).toEqual([OFFER]);
  });
});

describe('IncomingCall: rejecting and CANCEL (RFC 3261 §9.2)', () => {
  it('rejects with the status the TU chose', () => {
    const { call, sent, ended } = setup();
    call.reject(486);
    expect(sent.invite.map((r) => [r.status, r.reason])).toEqual([[486, 'Busy Here']]);
    expect(ended).toEqual(['rejected']);
    expect(() => call.accept(ANSWER)).toThrow();
  });

  it('answers 487 to the INVITE on CANCEL before the final response', () => {
    const { call, sent, ended } = setup();
    call.ring();
    expect(call.receiveCancel()).toBe(true);
    expect(sent.invite.map((r) => r.status)).toEqual([180, 487]);
    expect(ended).toEqual(['cancelled']);
    expect(call.dialog?.state).toBe('terminated');
  });

  it('ignores a CANCEL after the 200', () => {
    const { call, sent } = setup();
    void call.accept(ANSWER);
    expect(call.receiveCancel()).toBe(false);
    expect(sent.invite.map((r) => r.status)).toEqual([200]);
  });
});

describe('IncomingCall: in-dialog requests', () => {
  async function established(options: { offer?: boolean } = {}) {
    const s = setup(options);
    const acked = s.call.accept(ANSWER);
    s.call.receiveAck(request('ACK', 1, { toTag: 'b1' }));
    await acked;
    return s;
  }

  it('BYE from the caller: 200 and remote-bye', async () => {
    const { inDialog, ended, call } = await established();
    expect(inDialog('BYE', 2).map((r) => r.status)).toEqual([200]);
    expect(ended).toEqual(['remote-bye']);
    expect(call.dialog?.state).toBe('terminated');
  });

  it('INFO dtmf-relay becomes a dtmf event; unknown bodies get 415', async () => {
    const { inDialog, call } = await established();
    const keys: unknown[] = [];
    call.on('dtmf', (key, detail) => keys.push([key, detail]));
    expect(inDialog('INFO', 2, { body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' })[0]!.status).toBe(200);
    expect(inDialog('INFO', 3, { body: '11', contentType: 'application/dtmf' })[0]!.status).toBe(200);
    expect(inDialog('INFO', 4, { body: '<x/>', contentType: 'application/xml' })[0]!.status).toBe(415);
    expect(keys).toEqual([
      ['5', { source: 'sip-info', durationMs: 160 }],
      ['#', { source: 'sip-info' }],
    ]);
  });

  it('a CSeq lower than the last one gets 500 (§12.2.2)', async () => {
    const { inDialog } = await established();
    expect(inDialog('INFO', 5, { body: '1', contentType: 'application/dtmf' })[0]!.status).toBe(200);
    expect(inDialog('INFO', 4, { body: '1', contentType: 'application/dtmf' })[0]!.status).toBe(500);
  });

  it('re-INVITE asks the TU for an answer and retransmits its 200 until the ACK', async () => {
    const { call, inDialog, clock, sent } = await established();
    call.on('offer', (sdp, respond) => respond(sdp.replace('sendrecv', 'recvonly')));
    const responses = inDialog('INVITE', 2, { body: OFFER + 'a=sendonly\r\n' });
    expect(responses.map((r) => r.status)).toEqual([200]);
    clock.advance(T1);
    expect(sent.retransmits).toHaveLength(1);
    call.receiveAck(request('ACK', 2, { toTag: 'b1' }));
    clock.advance(10 * T1);
    expect(sent.retransmits).toHaveLength(1);
    expect(call.state).toBe('established');
  });

  it('488 when the TU finds no common codec, the call goes on', async () => {
    const { call, inDialog } = await established();
    call.on('offer', (_, respond) => respond(new SipError(488, 'Not Acceptable Here')));
    expect(inDialog('INVITE', 2, { body: OFFER })[0]!.status).toBe(488);
    expect(call.state).toBe('established');
  });

  it('500 with Retry-After for a re-INVITE while one is pending (§14.2)', async () => {
    const { call, inDialog } = await established();
    let respondLater: ((sdp: string) => void) | undefined;
    call.on('offer', (_, respond) => (respondLater = respond));
    expect(inDialog('INVITE', 2, { body: OFFER })).toEqual([]);
    const second = inDialog('INVITE', 3, { body: OFFER })[0]!;
    expect(second.status).toBe(500);
    expect(Number(second.header('Retry-After'))).toBeLessThanOrEqual(10);
    respondLater!(ANSWER);
  });

  it('491 for an offer while our own offer awaits its answer (glare)', () => {
    const { call, inDialog } = setup({ offer: false });
    void call.accept(ANSWER).catch(() => undefined);
    expect(inDialog('UPDATE', 2, { body: OFFER })[0]!.status).toBe(491);
  });

  it('UPDATE with an offer is answered in its 200; without one it is a refresh', async () => {
    const { call, inDialog } = await established();
    call.on('offer', (_, respond) => respond(ANSWER));
    const [withOffer] = inDialog('UPDATE', 2, { body: OFFER });
    expect([withOffer!.status, withOffer!.body.toString()]).toEqual([200, ANSWER]);
    expect(inDialog('UPDATE', 3)[0]!.status).toBe(200);
  });

  it('OPTIONS in dialog gets 200 with Allow and Accept; REFER gets 405 with Allow', async () => {
    const { inDialog } = await established();
    const [options] = inDialog('OPTIONS', 2);
    expect(options!.status).toBe(200);
    expect(options!.header('Accept')).toContain('application/dtmf-relay');
    const [refer] = inDialog('REFER', 3);
    expect(refer!.status).toBe(405);
    expect(refer!.header('Allow')).toBe('INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE');
  });

  it('hangup sends one BYE with the next local CSeq; later requests get 481', async () => {
    const { call, sent, inDialog, ended } = await established();
    await call.hangup();
    await call.hangup();
    expect(sent.inDialog.map((r) => r.method)).toEqual(['BYE']);
    expect(ended).toEqual(['local-bye']);
    expect(inDialog('INFO', 9, { body: '1', contentType: 'application/dtmf' })[0]!.status).toBe(481);
  });
});
