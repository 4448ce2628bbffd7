import { describe, expect, it } from 'vitest';

import { InvalidStateError } from '../../../../src/core/errors.ts';
import { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { parseMessage, parseNameAddr, type SipRequest } from '../../../../src/sip/message/index.ts';
import { SipError } from '../../../../src/sip/sip-error.ts';

function parse(...lines: string[]): SipRequest {
  const result = parseMessage(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')));
  if (!result.ok || !result.message.isRequest()) throw new Error('test message does not parse');
  return result.message;
}

const invite = (...extra: string[]) =>
  parse(
    'INVITE sip:camera@192.0.2.10 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:camera@192.0.2.10>',
    'Call-ID: call-1',
    'CSeq: 7 INVITE',
    'Contact: <sip:alice@192.0.2.1:5070>',
    ...extra,
  );

const inDialog = (method: string, seq: number, ...extra: string[]) =>
  parse(
    `${method} sip:camera@192.0.2.10 SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-2',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:camera@192.0.2.10>;tag=b1',
    'Call-ID: call-1',
    `CSeq: ${seq} ${method}`,
    ...extra,
  );

const contact = parseNameAddr('<sip:camera@192.0.2.10:5060>');

describe('UAS dialog (RFC 3261 §12)', () => {
  it('takes its id, remote target, route set and remote CSeq from the INVITE (§12.1.1)', () => {
    const dialog = Dialog.fromInvite(
      invite('Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>'),
      'b1',
      contact,
      'confirmed',
    );
    expect(dialog.id).toEqual({ callId: 'call-1', localTag: 'b1', remoteTag: 'a1' });
    expect(dialog.remoteTarget.toString()).toBe('sip:alice@192.0.2.1:5070');
    expect(dialog.routeSet.map(String)).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(dialog.remoteSeq).toBe(7);
  });

  it('refuses an INVITE without From tag or Contact with 400', () => {
    const noContact = parse(
      'INVITE sip:camera@192.0.2.10 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:camera@192.0.2.10>',
      'Call-ID: c',
      'CSeq: 1 INVITE',
    );
    expect(() => Dialog.fromInvite(noContact, 'b1', contact, 'early')).toThrow(SipError);
  });

  it('RFC 4475 3.4.1: an RFC 2543 INVITE (no branch, no From tag, no Contact) makes a dialog with a null remote tag, reached at its From URI', () => {
    const old = parse(
      'INVITE sip:camera@192.0.2.10 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1:5060',
      'From: <sip:alice@example.com>',
      'To: <sip:camera@192.0.2.10>',
      'Call-ID: c2543',
      'CSeq: 1 INVITE',
    );
    const dialog = Dialog.fromInvite(old, 'b1', contact, 'early');
    expect(dialog.id).toEqual({ callId: 'c2543', localTag: 'b1', remoteTag: '' });
    expect(dialog.remoteTarget.toString()).toBe('sip:alice@example.com');
    const bye = dialog.createRequest('BYE');
    expect(bye.to.tag).toBeUndefined();
    expect(bye.uri.toString()).toBe('sip:alice@example.com');
  });

  it('builds a BYE with the route set, tags swapped and a fresh local CSeq (§12.2.1.1)', () => {
    const dialog = Dialog.fromInvite(invite('Record-Route: <sip:proxy.example.com;lr>'), 'b1', contact, 'confirmed');
    const bye = dialog.createRequest('BYE');
    expect(bye.method).toBe('BYE');
    expect(bye.uri.toString()).toBe('sip:alice@192.0.2.1:5070');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:proxy.example.com;lr>']);
    expect(bye.from.tag).toBe('b1');
    expect(bye.from.uri.toString()).toBe('sip:camera@192.0.2.10');
    expect(bye.to.tag).toBe('a1');
    expect(bye.to.uri.toString()).toBe('sip:alice@example.com');
    expect(bye.callId).toBe('call-1');
    expect(bye.headers.has('Contact')).toBe(false);
    const next = dialog.createRequest('INFO');
    expect(next.cseq.seq).toBe(bye.cseq.seq + 1);
  });

  it('uses the first route as Request-URI towards a strict router', () => {
    const dialog = Dialog.fromInvite(invite('Record-Route: <sip:strict.example.com>'), 'b1', contact, 'confirmed');
    const bye = dialog.createRequest('BYE');
    expect(bye.uri.toString()).toBe('sip:strict.example.com');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:alice@192.0.2.1:5070>']);
  });

  it('answers an out-of-order CSeq with 500 and follows a target refresh (§12.2.2)', () => {
    const dialog = Dialog.fromInvite(invite(), 'b1', contact, 'confirmed');
    expect(() => dialog.receiveRequest(inDialog('INFO', 7))).toThrow(expect.objectContaining({ status: 500 }));
    dialog.receiveRequest(inDialog('INVITE', 8, 'Contact: <sip:alice@198.51.100.7:5080>'));
    expect(dialog.remoteTarget.toString()).toBe('sip:alice@198.51.100.7:5080');
    dialog.receiveRequest(inDialog('INFO', 9, 'Contact: <sip:elsewhere@203.0.113.1>'));
    expect(dialog.remoteTarget.toString()).toBe('sip:alice@198.51.100.7:5080');
  });

  it('moves early -> confirmed -> terminated and never back', () => {
    const dialog = Dialog.fromInvite(invite(), 'b1', contact, 'early');
    const seen: string[] = [];
    dialog.on('statechange', (state) => seen.push(state));
    dialog.transition('confirmed');
    dialog.transition('terminated');
    expect(seen).toEqual(['confirmed', 'terminated']);
    expect(() => dialog.transition('confirmed')).toThrow(InvalidStateError);
    expect(() => dialog.createRequest('BYE')).toThrow(InvalidStateError);
    expect(() => dialog.receiveRequest(inDialog('BYE', 20))).toThrow(expect.objectContaining({ status: 481 }));
  });
});
