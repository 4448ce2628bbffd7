import { describe, expect, it } from 'vitest';
import { resolveGatewayUrl, sipWebSocketUrl } from '../../src/services/gateway-url.ts';

describe('the gateway address', () => {
  it('is the page’s own origin unless the gateway attribute names one', () => {
    expect(resolveGatewayUrl(null, 'http://camera.local:8080/ui/index.html?x=1').href).toBe('http://camera.local:8080/');
    expect(resolveGatewayUrl('https://gw.example.org:8443/cam', 'http://shop.example/').href).toBe('https://gw.example.org:8443/cam/');
  });

  it('reaches SIP over WebSocket at /sip, secure on https pages (RFC 7118)', () => {
    expect(sipWebSocketUrl(new URL('http://127.0.0.1:8080/'))).toBe('ws://127.0.0.1:8080/sip');
    expect(sipWebSocketUrl(new URL('https://gw.example.org/cam/'))).toBe('wss://gw.example.org/cam/sip');
  });
});
