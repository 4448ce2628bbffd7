import { describe, expect, it } from 'vitest';
import { parseSipUri } from '../../../../src/sip/message/index.ts';
import { destinationFor } from '../../../../src/sip/transport/destination.ts';

describe('destination of a SIP URI (RFC 3263, reduced)', () => {
  it('uses the transport parameter, the port (5060 by default) and maddr over the host', () => {
    expect(destinationFor(parseSipUri('sip:bob@192.0.2.7'))).toEqual({ protocol: 'udp', host: '192.0.2.7', port: 5060 });
    expect(destinationFor(parseSipUri('sip:bob@pbx.example.com:5070;transport=TCP'))).toEqual({ protocol: 'tcp', host: 'pbx.example.com', port: 5070 });
    expect(destinationFor(parseSipUri('sip:bob@[2001:db8::5];maddr=192.0.2.9'))).toEqual({ protocol: 'udp', host: '192.0.2.9', port: 5060 });
    expect(destinationFor(parseSipUri('sip:bob@[2001:db8::5]:5062'))).toEqual({ protocol: 'udp', host: '2001:db8::5', port: 5062 });
  });

  it('refuses what needs the registered connection (a browser behind ws / .invalid) and TLS', () => {
    expect(() => destinationFor(parseSipUri('sip:x@df7jal23ls0d.invalid;transport=ws'))).toThrow(/connection/);
    expect(() => destinationFor(parseSipUri('sips:bob@example.com'))).toThrow(/tls/);
  });
});
