/**
 * UAS rules of RFC 3261 on the wire (raw UDP, byte-exact requests): method inspection
 * (405 with Allow, 501), unknown dialogs (481), Require (420 with Unsupported), TU
 * rejections, and CANCEL (200 for the CANCEL, 487 for the INVITE).
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { pcmuAnswer, startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

const CRLF = '\r\n';

describe('UAS request handling on the wire (RFC 3261 §8.2, §9.2, §12.2.2)', () => {
  let fx: SipFixture;
  let socket: Socket;
  let replies: string[];

  beforeEach(async () => {
    fx = await startSipFixture({ answer: 'manual' });
    socket = createSocket('udp4');
    replies = [];
    socket.on('message', (m) => replies.push(m.toString()));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    socket.close();
    await fx.close();
  });

  let n = 0;
  function send(
    method: string,
    options: { toTag?: string; fromTag?: string; extra?: string[]; callId?: string; cseq?: number; branch?: string; contacts?: string[]; to?: SipFixture } = {},
  ) {
    const target = options.to ?? fx;
    const port = socket.address().port;
    const lines = [
      `${method} sip:camera@127.0.0.1:${target.udpPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${options.branch ?? `z9hG4bK-rules-${++n}`};rport`,
      'Max-Forwards: 70',
      `From: <sip:tester@127.0.0.1:${port}>${options.fromTag === '' ? '' : `;tag=${options.fromTag ?? `t${n}`}`}`,
      `To: <sip:camera@127.0.0.1>${options.toTag ? `;tag=${options.toTag}` : ''}`,
      `Call-ID: ${options.callId ?? `rules-${n}`}`,
      `CSeq: ${options.cseq ?? 1} ${method}`,
      ...(options.contacts ?? [`<sip:tester@127.0.0.1:${port}>`]).map((contact) => `Contact: ${contact}`),
      ...(options.extra ?? []),
      'Content-Length: 0',
      '',
      '',
    ];
    socket.send(lines.join(CRLF), target.udpPort, '127.0.0.1');
  }

  async function reply(status: string, cseqMethod: string): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = replies.find((r) => r.startsWith(`SIP/2.0 ${status}`) && r.includes(` ${cseqMethod}\r\n`));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${status} to ${cseqMethod}; got:\n${replies.join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('405 with Allow for a method we know but do not do; 501 for an unknown one', async () => {
    send('MESSAGE');
    expect(await reply('405', 'MESSAGE')).toMatch(/Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE/);
    send('FROBNICATE');
    await reply('501', 'FROBNICATE');
  });

  it('481 for BYE and INFO in a dialog that does not exist', async () => {
    send('BYE', { toTag: 'nope' });
    await reply('481', 'BYE');
    send('INFO', { toTag: 'nope' });
    await reply('481', 'INFO');
  });

  it('420 with Unsupported for a Require we do not support', async () => {
    send('INVITE', { extra: ['Require: 100rel, timer'] });
    expect(await reply('420', 'INVITE')).toMatch(/Unsupported: 100rel, timer/);
    expect(fx.calls).toHaveLength(0);
  });

  it('sends 100 Trying at once and the rejection the TU chose', async () => {
    send('INVITE');
    const record = await fx.nextCall();
    await reply('100', 'INVITE');
    record.call.reject(486);
    await reply('486 Busy Here', 'INVITE');
    expect(await record.ended).toBe('rejected');
  });

  it('CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE, the call ends cancelled', async () => {
    send('INVITE', { callId: 'cancel-me', fromTag: 'c1', branch: 'z9hG4bK-cancel-me' });
    const record = await fx.nextCall();
    record.call.ring();
    await reply('180', 'INVITE');
    send('CANCEL', { callId: 'cancel-me', fromTag: 'c1', branch: 'z9hG4bK-cancel-me' });
    await reply('200', 'CANCEL');
    await reply('487', 'INVITE');
    expect(await record.ended).toBe('cancelled');
  });

  it('400 for an INVITE that cannot make a dialog (§8.1.1.3, §8.1.1.8); the TU never sees it', async () => {
    const broken: [string, Parameters<typeof send>[1]][] = [
      ['no From tag', { fromTag: '' }],
      ['no Contact', { contacts: [] }],
      ['two Contacts', { contacts: ['<sip:a@127.0.0.1>', '<sip:b@127.0.0.1>'] }],
      ['a tel: Contact', { contacts: ['<tel:+4930123456>'] }],
    ];
    for (const [what, options] of broken) {
      replies.length = 0;
      send('INVITE', options);
      expect(await reply('400', 'INVITE'), what).toMatch(/^SIP\/2\.0 400 (Missing From tag|INVITE needs exactly one SIP Contact)/);
    }
    expect(fx.calls).toHaveLength(0);
  });

  it('a caller whose Contact cannot be reached (sips:, a WebSocket address over UDP) and who never ACKs: the BYE fails quietly, the call ends', async () => {
    // 64*T1 = 3.2 s until the missing ACK ends the call.
    const quick = await startSipFixture({ answer: 'manual', stack: { timers: { T1: 50 } } });
    try {
      const contacts = ['<sips:tester@127.0.0.1>', '<sip:tester@x.invalid;transport=ws>'];
      const ends = [];
      for (const contact of contacts) {
        send('INVITE', { contacts: [contact], to: quick });
        const record = await quick.nextCall();
        void record.call.accept(pcmuAnswer(quick.mediaPort)).catch(() => undefined);
        ends.push(record.ended);
      }
      expect(await Promise.all(ends)).toEqual(['ack-timeout', 'ack-timeout']);
      expect(quick.sip.stats()).toMatchObject({ calls: 0, dialogs: 0 });
    } finally {
      await quick.close();
    }
  });
});
