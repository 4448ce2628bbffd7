/**
 * Who calls from where (trusted-proxies.ts): from an untrusted peer the peer and From, from
 * a trusted proxy the hop before it (its Via `received`, else sent-by; RFC 3261 §18.2.1) and
 * P-Asserted-Identity (RFC 3325 §9.1).
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, SipRequest } from '../../../../src/sip/message/index.ts';
import type { MessageSource } from '../../../../src/sip/transport/transport.ts';
import { TrustedProxies } from '../../../../src/sip/transport/trusted-proxies.ts';

const PROXY = '192.0.2.10';

function invite(vias: string[], extra: string[] = []): SipRequest {
  const text = [
    'INVITE sip:camera@192.0.2.20 SIP/2.0',
    ...vias.map((via) => `Via: ${via}`),
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:camera@192.0.2.20>',
    'Call-ID: origin-test',
    'CSeq: 1 INVITE',
    'Max-Forwards: 69',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const parsed = parseMessage(Buffer.from(text));
  if (!parsed.ok || !(parsed.message instanceof SipRequest)) throw new Error('test request did not parse');
  return parsed.message;
}

const from = (remoteAddress: string): MessageSource => ({ protocol: 'udp', remoteAddress, remotePort: 5060, localAddress: '192.0.2.20', localPort: 5060 });
const proxyVia = `SIP/2.0/UDP ${PROXY};branch=z9hG4bKproxy`;
const pai = 'P-Asserted-Identity: "Alice" <sip:+4930123@provider.example>, <tel:+4930123>';

describe('the origin of a request', () => {
  const proxies = new TrustedProxies([PROXY, '::ffff:192.0.2.11']);

  it('from an untrusted peer is the peer and From, whatever P-Asserted-Identity and the Vias say', () => {
    const request = invite(['SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKa', 'SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKb'], [pai]);
    const origin = proxies.originOf(request, from('198.51.100.7'));
    expect([origin.address, origin.proxy, origin.identity.uri.toString()]).toEqual(['198.51.100.7', undefined, 'sip:alice@example.com']);
  });

  it('through a trusted proxy is the second Via\'s received, and P-Asserted-Identity (its SIP address)', () => {
    const request = invite([proxyVia, 'SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKc;received=203.0.113.9;rport=40001'], [pai]);
    const origin = proxies.originOf(request, from(PROXY));
    expect([origin.address, origin.proxy, origin.identity.uri.toString()]).toEqual(['203.0.113.9', PROXY, 'sip:+4930123@provider.example']);
  });

  it('takes the sent-by host when the proxy recorded no received, and From without P-Asserted-Identity', () => {
    const origin = proxies.originOf(invite([proxyVia, 'SIP/2.0/UDP 203.0.113.9:5062;branch=z9hG4bKd']), from(PROXY));
    expect([origin.address, origin.identity.uri.toString()]).toEqual(['203.0.113.9', 'sip:alice@example.com']);
  });

  it('walks back through chained trusted proxies (an IPv4-mapped peer address counts as IPv4)', () => {
    const request = invite([proxyVia, 'SIP/2.0/UDP 192.0.2.11;branch=z9hG4bKe', 'SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKf']);
    expect(proxies.originOf(request, from(`::ffff:${PROXY}`)).address).toBe('203.0.113.9');
  });

  it('stops at the proxy when the hop before it is a host name, and for the proxy\'s own requests', () => {
    expect(proxies.originOf(invite([proxyVia, 'SIP/2.0/UDP phone.example.com;branch=z9hG4bKg']), from(PROXY)).address).toBe(PROXY);
    expect(proxies.originOf(invite([proxyVia]), from(PROXY)).address).toBe(PROXY);
  });

  it('answers a malformed P-Asserted-Identity from the proxy with 400', () => {
    const request = invite([proxyVia, 'SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKh'], ['P-Asserted-Identity: <>']);
    expect(() => proxies.originOf(request, from(PROXY))).toThrow(expect.objectContaining({ status: 400 }));
  });
});
