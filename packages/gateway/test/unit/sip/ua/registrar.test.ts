import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';
import { parseMessage, SipRequest } from '../../../../src/sip/message/index.ts';
import { SoftphoneRegistrar } from '../../../../src/sip/ua/registrar.ts';

let cseq = 1;
function register(contact: string, expires?: number): SipRequest {
  const text = [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK' + cseq,
    'Max-Forwards: 70',
    'From: <sip:resident@127.0.0.1>;tag=f1',
    'To: <sip:resident@127.0.0.1>',
    'Call-ID: reg-1',
    `CSeq: ${cseq++} REGISTER`,
    `Contact: ${contact}`,
    ...(expires === undefined ? [] : [`Expires: ${expires}`]),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const parsed = parseMessage(Buffer.from(text));
  if (!parsed.ok || !(parsed.message instanceof SipRequest)) throw new Error('bad test REGISTER');
  return parsed.message;
}

describe('SoftphoneRegistrar', () => {
  it('binds, refreshes, lists newest first, and forgets expired bindings', () => {
    const clock = new FakeClock();
    const registrar = new SoftphoneRegistrar(clock, createLogger('silent'));
    const ok = registrar.register(register('<sip:tab1@a.invalid;transport=ws>', 600), 'resident', 'conn-1');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('Contact')).toContain('expires=600');
    registrar.register(register('<sip:tab2@b.invalid;transport=ws>;expires=120'), 'resident', 'conn-2');
    expect(registrar.bindings('resident').map((b) => [b.contact.toString(), b.connectionId])).toEqual([
      ['sip:tab2@b.invalid;transport=ws', 'conn-2'],
      ['sip:tab1@a.invalid;transport=ws', 'conn-1'],
    ]);
    clock.advance(121_000);
    expect(registrar.bindings('resident').map((b) => b.connectionId)).toEqual(['conn-1']);
    expect(registrar.bindings('nobody')).toEqual([]);
  });

  it('removes with Expires 0 or *, refuses a too short lifetime (423), drops a closed connection\'s bindings', () => {
    const registrar = new SoftphoneRegistrar(new FakeClock(), createLogger('silent'));
    registrar.register(register('<sip:tab1@a.invalid;transport=ws>', 600), 'resident', 'conn-1');
    registrar.register(register('<sip:tab1@a.invalid;transport=ws>', 0), 'resident', 'conn-1');
    expect(registrar.bindings('resident')).toEqual([]);
    const short = registrar.register(register('<sip:tab1@a.invalid;transport=ws>', 10), 'resident', 'conn-1');
    expect(short.status).toBe(423);
    expect(short.headers.get('Min-Expires')).toBe('60');
    registrar.register(register('<sip:tab1@a.invalid;transport=ws>', 600), 'resident', 'conn-1');
    registrar.register(register('<sip:tab2@b.invalid;transport=ws>', 600), 'resident', 'conn-2');
    expect(registrar.register(register('*', 600), 'resident', 'conn-1').status).toBe(400);
    registrar.register(register('*', 0), 'resident', 'conn-1');
    expect(registrar.bindings('resident').map((b) => b.connectionId)).toEqual(['conn-2']);
    registrar.connectionClosed('conn-2');
    expect(registrar.bindings('resident')).toEqual([]);
  });
});
