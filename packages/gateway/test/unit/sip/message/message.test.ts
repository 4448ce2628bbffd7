import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_SIZE,
  NameAddr,
  SipRequest,
  SipUri,
  TelUri,
  clip,
  createResponse,
  newBranch,
  newCallId,
  newTag,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
} from '../../../../src/sip/message/index.ts';

const CRLF = '\r\n';
const lines = (...l: string[]) => Buffer.from(l.join(CRLF));

const invite = (extra: string[] = [], body = '') =>
  lines(
    'INVITE sip:camera@192.0.2.10 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport',
    'Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK-0',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:camera@192.0.2.10>',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 1 INVITE',
    'Timestamp: 54',
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  );

function request(data: Buffer): SipRequest {
  const result = parseMessage(data);
  if (!result.ok) throw new Error(result.error.message);
  if (!result.message.isRequest()) throw new Error('not a request');
  return result.message;
}

describe('RFC 3261 7.3 header fields', () => {
  it('7.3.3 compact forms are understood and written in their long canonical form', () => {
    const message = request(
      lines('OPTIONS sip:a@b SIP/2.0', 'v: SIP/2.0/UDP h;branch=z9hG4bKx', 'f: <sip:x@y>;tag=1', 't: sip:a@b', 'i: abc', 'CSEQ: 2 OPTIONS', 'm: <sip:x@h>', 'k: path', 'l: 0', '', ''),
    );
    expect(message.callId).toBe('abc');
    expect(message.header('call-id')).toBe('abc');
    expect(message.header('Supported')).toBe('path');
    const text = message.toString();
    expect(text).toContain('Call-ID: abc\r\n');
    expect(text).toContain('CSeq: 2 OPTIONS\r\n');
    expect(text).toContain('Contact: <sip:x@h>\r\n');
    expect(text).not.toMatch(/^[vftimkl]:/m);
  });

  it('7.3.1 comma-separated values are split, but not inside quoted strings or <>', () => {
    const message = request(
      invite(['Contact: "Doe, John" <sip:j,k@h;a=b>, <sip:k@h>', 'Allow: INVITE, ACK,BYE', 'Record-Route: <sip:p1;lr>,<sip:p2;lr>', 'Subject: hello, world']),
    );
    expect(message.contacts.map((c) => c.displayName)).toEqual(['Doe, John', undefined]);
    expect(message.headers.getAll('Allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(message.recordRoutes).toHaveLength(2);
    expect(message.header('Subject')).toBe('hello, world');
  });

  it('7.3.1 a line starting with whitespace continues the previous header', () => {
    const message = request(invite(['Subject: part one', '\tpart two', '  part three']));
    expect(message.header('Subject')).toBe('part one part two part three');
  });

  it('header API: get first/all, set, append, prepend, remove', () => {
    const message = request(invite());
    expect(message.headers.get('via')).toContain('192.0.2.1');
    expect(message.headers.getAll('VIA')).toHaveLength(2);
    message.headers.prepend('Via', parseVia('SIP/2.0/WS gw.invalid;branch=z9hG4bKtop'));
    expect(message.via.branch).toBe('z9hG4bKtop');
    message.headers.remove('Via', 0);
    expect(message.via.branch).toBe('z9hG4bK-1');
    message.headers.set('X-Custom', 'a').append('x-custom', 'b');
    expect(message.headers.getAll('X-CUSTOM')).toEqual(['a', 'b']);
    message.headers.remove('x-custom');
    expect(message.headers.has('X-Custom')).toBe(false);
    message.headers.set('Max-Forwards', 69);
    expect(message.maxForwards).toBe(69);
  });

  it('typed accessors follow header changes', () => {
    const message = request(invite());
    expect(message.to.tag).toBeUndefined();
    message.headers.set('To', message.to.withTag('t9'));
    expect(message.to.tag).toBe('t9');
  });
});

describe('RFC 3261 18.3 / 20.14 Content-Length framing', () => {
  it('the body is exactly Content-Length bytes, binary-safe', () => {
    const body = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x0d, 0x0a, 255]);
    const head = Buffer.from(invite([], '').toString().replace('Content-Length: 0', `Content-Length: ${body.length}`));
    const message = request(Buffer.concat([head, body, Buffer.from('trailing junk')]));
    expect(message.body.equals(body)).toBe(true);
    expect(message.toBuffer().subarray(-body.length).equals(body)).toBe(true);
  });

  it('a body shorter than Content-Length is a 400 naming the problem', () => {
    const data = Buffer.from(invite([], 'v=0\r\n').toString().replace('Content-Length: 5', 'Content-Length: 50'));
    const result = parseMessage(data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection?.reason).toBe('Content-Length larger than message');
  });

  it('stream transports require Content-Length (18.3)', () => {
    const data = Buffer.from(invite().toString().replace('Content-Length: 0\r\n', ''));
    expect(parseMessage(data).ok).toBe(true);
    expect(parseMessage(data, { requireContentLength: true }).ok).toBe(false);
  });

  it('messages over 64 KiB are refused', () => {
    const big = invite([`X-Pad: ${'a'.repeat(MAX_MESSAGE_SIZE)}`]);
    const result = parseMessage(big);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.status).toBe(513);
  });

  it('a bare CR inside a line is refused: echoed in a response or a digest answer, it could split the line for the next parser', () => {
    const smuggled = parseMessage(invite(['Subject: hi\rInjected: yes']));
    expect(smuggled.ok).toBe(false);
    if (!smuggled.ok) expect(smuggled.rejection?.reason).toBe('Bare CR in header');
    const challenge = parseMessage(lines('SIP/2.0 401 Unauthorized', 'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-r', 'From: <sip:a@b>;tag=1', 'To: <sip:a@b>;tag=2', 'Call-ID: r1', 'CSeq: 1 REGISTER', 'WWW-Authenticate: Digest realm="x", nonce="n\rVia: evil"', '', ''));
    expect(challenge.ok).toBe(false);
    // Line ends themselves may be CRLF or bare LF.
    expect(parseMessage(Buffer.from(invite().toString().replaceAll('\r\n', '\n'))).ok).toBe(true);
  });

  it('a Call-ID over 256 characters is a 400: it would go into every log line and the call log', () => {
    expect(parseMessage(Buffer.from(invite().toString().replace('call-1@192.0.2.1', 'c'.repeat(256)))).ok).toBe(true);
    const long = parseMessage(Buffer.from(invite().toString().replace('call-1@192.0.2.1', 'c'.repeat(257))));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.rejection?.reason).toBe('Call-ID too long');
  });

  it('clip keeps caller text short for logs and reason phrases', () => {
    expect(clip('short')).toBe('short');
    expect(clip('x'.repeat(5000), 10)).toBe('xxxxxxxxxx…(5000 chars)');
  });

  it('toBuffer writes the Content-Length of the current body', () => {
    const message = request(invite());
    message.body = 'v=0\r\n';
    expect(message.toString()).toMatch(/Content-Length: 5\r\n\r\nv=0\r\n$/);
  });
});

describe('RFC 3261 8.2.6 generating the response', () => {
  it('copies Via (all, in order), From, To, Call-ID, CSeq and adds a To tag', () => {
    const req = request(invite());
    const response = createResponse(req, 180, { toTag: 'uas-tag' });
    expect(response.status).toBe(180);
    expect(response.reason).toBe('Ringing');
    expect(response.headers.getAll('Via')).toEqual(req.headers.getAll('Via'));
    expect(response.from.tag).toBe('a1');
    expect(response.to.tag).toBe('uas-tag');
    expect(response.callId).toBe(req.callId);
    expect(response.cseq).toEqual(req.cseq);
  });

  it('8.2.6.2 keeps an existing To tag; generates one when none is given', () => {
    const inDialog = request(Buffer.from(invite().toString().replace('To: <sip:camera@192.0.2.10>', 'To: <sip:camera@192.0.2.10>;tag=mine')));
    expect(createResponse(inDialog, 200, { toTag: 'other' }).to.tag).toBe('mine');
    expect(createResponse(request(invite()), 486).to.tag).toMatch(/^[\w-]{8,}$/);
  });

  it('8.2.6.1 a 100 Trying echoes Timestamp and needs no To tag', () => {
    const trying = createResponse(request(invite()), 100);
    expect(trying.header('Timestamp')).toBe('54');
    expect(trying.to.tag).toBeUndefined();
  });
});

describe('RFC 3261 19.1 URIs and 20.10 addresses', () => {
  it('parses sip URIs with user, password, IPv6 host, port, params and headers', () => {
    const uri = parseUri('sips:al%69ce:secret@[2001:db8::1]:5071;transport=TCP;lr?subject=hi%20there&priority=urgent') as SipUri;
    expect(uri).toBeInstanceOf(SipUri);
    expect(uri.scheme).toBe('sips');
    expect(uri.user).toBe('alice');
    expect(uri.password).toBe('secret');
    expect(uri.host).toBe('[2001:db8::1]');
    expect(uri.hostname).toBe('2001:db8::1');
    expect(uri.port).toBe(5071);
    expect(uri.transport).toBe('tcp');
    expect(uri.params.get('lr')).toBeNull();
    expect(uri.headers.get('subject')).toBe('hi there');
    expect(uri.toString()).toBe('sips:alice:secret@[2001:db8::1]:5071;transport=TCP;lr?subject=hi%20there&priority=urgent');
  });

  it('parses tel URIs and keeps unknown schemes opaque', () => {
    const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com');
    expect(tel).toBeInstanceOf(TelUri);
    expect((tel as TelUri).number).toBe('+1-201-555-0123');
    expect(parseUri('urn:uuid:f81d4fae').toString()).toBe('urn:uuid:f81d4fae');
  });

  it.each(['sip:user@host:99999', 'sip:user@ho st', 'sip:@host', 'sip:user@host;', 'sip:us"er@host', '<sip:a@b>', 'sip:a%zz@b'])('rejects %s', (text) => {
    expect(() => parseUri(text)).toThrow();
  });

  it('a display name with quotes and backslashes is escaped on output and read back intact', () => {
    const name = 'Evil "Caller" \\ <script>';
    const addr = new NameAddr(parseUri('sip:x@y'), name).withTag('t');
    const text = addr.toString();
    expect(text).toBe('"Evil \\"Caller\\" \\\\ <script>" <sip:x@y>;tag=t');
    expect(parseNameAddr(text).displayName).toBe(name);
  });

  it('addr-spec parameters belong to the header, name-addr URI parameters to the URI', () => {
    const spec = parseNameAddr('sip:bob@example.com;tag=1');
    expect(spec.tag).toBe('1');
    expect((spec.uri as SipUri).params.size).toBe(0);
    const angle = parseNameAddr('<sip:bob@example.com;transport=ws>;expires=60');
    expect((angle.uri as SipUri).transport).toBe('ws');
    expect(angle.params.get('expires')).toBe('60');
  });

  it('Via: received, rport (flag and value), sent-by with the default port', () => {
    const via = parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;rport');
    expect(via.rport).toBe(true);
    expect(via.sentBy).toBe('192.0.2.1:5060');
    const answered = via.withParam('received', '198.51.100.7').withParam('rport', '40000');
    expect(answered.rport).toBe(40000);
    expect(answered.toString()).toBe('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;rport=40000;received=198.51.100.7');
    expect(parseVia('SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK2').sentBy).toBe('df7jal23ls0d.invalid:5061');
    // Responses go to received:rport, so a port that cannot exist is refused up front.
    expect(() => parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK3;rport=65536')).toThrow(/rport/);
  });
});

describe('RFC 3261 8.1.1 identifiers', () => {
  it('branches start with the magic cookie z9hG4bK; tags and Call-IDs are unique', () => {
    expect(newBranch()).toMatch(/^z9hG4bK[\w-]+$/);
    const seen = new Set(Array.from({ length: 1000 }, () => newTag() + newCallId()));
    expect(seen.size).toBe(1000);
  });
});

describe('robustness: truncated and mutated messages never throw', () => {
  // Deterministic pseudo-random sequence so a failure can be reproduced.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sample = invite(['Contact: "A, B" <sip:a@[::1]:5062;transport=tcp>;expires=60', 'Route: <sip:p;lr>'], 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');

  it('every truncation parses or fails cleanly', () => {
    for (let n = 0; n <= sample.length; n++) {
      const result = parseMessage(sample.subarray(0, n));
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok && result.rejection) expect(() => result.rejection!.toBuffer()).not.toThrow();
    }
  });

  it('3000 random byte mutations parse or fail cleanly, and accepted ones serialize', () => {
    const interesting = [0x00, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x40, 0x5c, 0xff];
    for (let i = 0; i < 3000; i++) {
      const data = Buffer.from(sample);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * data.length);
        data[at] = random() < 0.5 ? interesting[Math.floor(random() * interesting.length)]! : Math.floor(random() * 256);
      }
      const result = parseMessage(data);
      if (result.ok) {
        const message = result.message;
        expect(() => {
          message.toBuffer();
          void message.vias;
          void message.contacts;
        }).not.toThrow();
      } else if (result.rejection) {
        expect(() => result.rejection!.toBuffer()).not.toThrow();
      }
    }
  });
});
