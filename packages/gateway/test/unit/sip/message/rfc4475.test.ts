import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SipRequest, SipResponse, SipUri, checkRequest, parseMessage, rfc3261_8_1_3_3 } from '../../../../src/sip/message/index.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/rfc4475/${name}.dat`, import.meta.url));

function parsed(name: string): SipRequest | SipResponse {
  const result = parseMessage(fixture(name));
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.message;
}

function request(name: string): SipRequest {
  const message = parsed(name);
  if (!message.isRequest()) throw new Error(`${name} is not a request`);
  return message;
}

describe('RFC 4475 3.1.1 valid messages: "a parser must accept"', () => {
  it.each(['wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason'])(
    '%s parses and survives a serialize/parse round trip',
    (name) => {
      const message = parsed(name);
      const again = parseMessage(message.toBuffer());
      expect(again.ok).toBe(true);
      if (!again.ok) return;
      const withoutLength = (m: SipRequest | SipResponse) => [...m.headers].filter((h) => h.name !== 'Content-Length');
      expect(withoutLength(again.message)).toEqual(withoutLength(message));
      expect(again.message.body.equals(message.body)).toBe(true);
    },
  );

  it('3.1.1.1 wsinv: folded lines, LWS everywhere, compact forms and escaped quotes', () => {
    const invite = request('wsinv');
    expect(invite.method).toBe('INVITE');
    expect(invite.to.tag).toBe('1918181833n');
    expect(invite.from.displayName).toBe('J Rosenberg \\"');
    expect(invite.from.tag).toBe('98asjd8');
    expect(invite.maxForwards).toBe(68);
    expect(invite.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(invite.vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(invite.header('Subject')).toBe('');
    expect(invite.header('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(invite.contacts[0]!.displayName).toBe('Quoted string ""');
    expect(invite.contacts[0]!.params.get('q')).toBe('0.33');
    expect(invite.routes[0]!.uri.toString()).toBe('sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    expect(invite.body.length).toBe(150);
  });

  it('3.1.1.2 intmeth: unusual token characters, NUL/BEL/DEL in a quoted string, UTF-8', () => {
    const message = request('intmeth');
    expect(message.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = message.uri as SipUri;
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(message.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(message.from.params.get("fromparam''~+*_!.-%")).toBe('"работающий"');
    expect(message.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  });

  it('3.1.1.3 esc01 / 3.1.1.4 escnull: escaped characters decode, escaped NUL included', () => {
    const esc01 = request('esc01');
    expect((esc01.uri as SipUri).user).toBe('sips:user@example.com');
    expect((esc01.to.uri as SipUri).user).toBe('user');
    const contact = esc01.contacts[0]!.uri as SipUri;
    expect(contact.user).toBe('caller');
    expect(contact.params.has('lr')).toBe(true);
    expect(contact.params.get('name')).toBe('value%41');
    const escnull = request('escnull');
    expect((escnull.to.uri as SipUri).user).toBe('null-\x00-null');
    expect(escnull.contacts.map((c) => (c.uri as SipUri).user)).toEqual(['\x00', '\x00\x00']);
  });

  it('3.1.1.5 esc02: % that is not an escape, and C%6Fntact is not Contact', () => {
    const message = request('esc02');
    expect(message.method).toBe('RE%47IST%45R');
    expect(message.contacts).toHaveLength(2);
    expect(message.header('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('3.1.1.7 longreq: 34 Via values in mixed spellings keep their order', () => {
    const message = request('longreq');
    expect(message.vias).toHaveLength(34);
    expect(message.vias[0]!.host).toBe('sip33.example.com');
    expect(message.vias[33]!.received).toBe('192.0.2.5');
  });

  it('3.1.1.8 dblreq: octets after Content-Length in a datagram are ignored', () => {
    const message = request('dblreq');
    expect(message.method).toBe('REGISTER');
    expect(message.body.length).toBe(0);
  });

  it('3.1.1.9 semiuri / 3.1.1.10 transports', () => {
    expect((request('semiuri').uri as SipUri).user).toBe('user;par=u@example.net');
    expect(request('transports').vias.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('3.1.1.11 mpart01: a binary body is kept byte for byte', () => {
    const message = request('mpart01');
    expect(message.body.length).toBe(553);
    expect(message.body.includes(Buffer.from([0x30, 0x82, 0x01, 0x52, 0x06, 0x09, 0x2a, 0x86]))).toBe(true);
  });

  it('3.1.1.12 unreason / 3.1.1.13 noreason: unusual and empty reason phrases', () => {
    const unreason = parsed('unreason') as SipResponse;
    expect(unreason.status).toBe(200);
    expect(unreason.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    const noreason = parsed('noreason') as SipResponse;
    expect(noreason.status).toBe(100);
    expect(noreason.reason).toBe('');
  });
});

describe('RFC 4475 3.1.2 invalid messages: "an element receiving this request should respond with a 400" (or drop it)', () => {
  const requests = ['badinv01', 'clerr', 'ncl', 'scalar02', 'quotbal', 'ltgtruri', 'lwsruri', 'lwsstart', 'trws', 'escruri', 'baddate', 'regbadct', 'badaspec', 'baddn', 'mismatch01', 'mismatch02'];

  it.each(requests)('%s is rejected with 400 or dropped', (name) => {
    const result = parseMessage(fixture(name));
    expect(result.ok).toBe(false);
    if (result.ok || !result.rejection) return;
    expect(result.rejection.status).toBe(400);
    expect(result.rejection.reason).toBe(result.error.reason);
  });

  it.each(['clerr', 'ncl', 'scalar02', 'ltgtruri', 'lwsruri', 'lwsstart', 'trws', 'escruri', 'baddate', 'regbadct', 'mismatch01', 'mismatch02'])(
    '%s: headers are readable, so the 400 is addressed back and names the problem',
    (name) => {
      const result = parseMessage(fixture(name));
      if (result.ok) throw new Error('parsed');
      expect(result.rejection?.status).toBe(400);
      expect(result.rejection?.to.tag).toBeDefined();
      expect(result.rejection?.reason).not.toBe('Bad Request');
    },
  );

  it('3.1.2.16 badvers: an unknown SIP version gets 505', () => {
    const result = parseMessage(fixture('badvers'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.status).toBe(505);
  });

  it.each(['scalarlg', 'bigcode'])('%s: a malformed response is dropped, never answered', (name) => {
    const result = parseMessage(fixture(name));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection).toBeUndefined();
  });
});

describe('RFC 4475 3.2 and 3.3: transaction and application semantics', () => {
  const supported = new Set<string>();

  it('3.2.1 badbranch: a bare magic cookie branch does not break the parser', () => {
    expect(request('badbranch').via.branch).toBe('z9hG4bK');
  });

  it('3.3.1 insuf: missing To, From and Call-ID: "Ideally, it will respond with a 400 Bad Request error"', () => {
    const result = parseMessage(fixture('insuf'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection?.status).toBe(400);
    expect(result.rejection?.headers.get('CSeq')).toBe('193942 INVITE');
  });

  it.each(['badinv01', 'baddn', 'badaspec', 'quotbal', 'multi01'])('%s: From/To/Via that do not parse are copied as received into the 400', (name) => {
    const result = parseMessage(fixture(name));
    if (result.ok) throw new Error('parsed');
    expect(result.rejection?.status).toBe(400);
    expect(result.rejection?.headers.getAll('Via').length).toBeGreaterThan(0);
    expect(() => result.rejection!.toBuffer()).not.toThrow();
  });

  it.each(['unkscm', 'novelsc'])('%s: "respond with a 416 (Unsupported URI Scheme)"', (name) => {
    expect(checkRequest(request(name), supported)?.status).toBe(416);
  });

  it('3.3.4 unksm2: unknown schemes in To, From and Contact still parse', () => {
    const message = request('unksm2');
    expect(message.to.uri.toString()).toBe('isbn:2983792873');
    expect(message.contacts[0]!.uri.scheme).toBe('name');
  });

  it('3.3.5 bext01: "respond with a 420 (Bad Extension)" listing them in Unsupported', () => {
    const error = checkRequest(request('bext01'), supported);
    expect(error?.status).toBe(420);
    expect(error?.headers).toEqual([['Unsupported', 'nothingsupportsthis, nothingsupportsthiseither']]);
  });

  it.each(['regaut01', 'cparam01', 'cparam02', 'regescrt', 'inv2543', 'zeromf'])('%s parses and passes the transport-level checks', (name) => {
    expect(checkRequest(request(name), supported)).toBeUndefined();
  });

  it('3.3.6 invut: a body type the UAS does not understand gets 415 with Accept (RFC 3261 8.2.3)', () => {
    const error = checkRequest(request('invut'), supported);
    expect(error?.status).toBe(415);
    expect(error?.headers).toEqual([['Accept', 'application/sdp']]);
  });

  it('3.3.15 sdp01: an Accept without application/sdp "could respond with a 406 (Not Acceptable), with a Warning/399"', () => {
    const error = checkRequest(request('sdp01'), supported);
    expect(error?.status).toBe(406);
    expect(error?.headers[0]?.[0]).toBe('Warning');
    expect(error?.headers[0]?.[1]).toMatch(/^399 /);
  });

  it('3.3.8 multi01 / 3.3.9 mcl01: several values in single-value headers are rejected', () => {
    for (const name of ['multi01', 'mcl01']) expect(parseMessage(fixture(name)).ok).toBe(false);
  });

  it('3.3.10 bcast: a response with a second Via is discarded by a UAC', () => {
    expect(rfc3261_8_1_3_3(parsed('bcast') as SipResponse)).toBeDefined();
  });

  it('3.3.14 regescrt: a Contact URI may carry escaped headers inside <>', () => {
    expect((request('regescrt').contacts[0]!.uri as SipUri).headers.get('Route')).toBe('<sip:sip.example.com>');
  });

  it('3.4.1 inv2543: RFC 2543 syntax (no Content-Length over UDP, no tags) is accepted', () => {
    const message = request('inv2543');
    expect(message.body.toString()).toContain('m=audio 49217 RTP/AVP 0');
  });
});
