import { describe, expect, it } from 'vitest';
import { isSameOrigin } from '../../../src/web/origin-policy.ts';

const host = 'camera.local:8080';

describe('isSameOrigin: which requests may use the admin session', () => {
  it('accepts the gateway’s own pages and clients that send no origin at all', () => {
    expect(isSameOrigin({ host, origin: 'http://camera.local:8080' })).toBe(true);
    expect(isSameOrigin({ host, origin: 'https://camera.local:8080', 'sec-fetch-site': 'same-origin' })).toBe(true);
    expect(isSameOrigin({ host })).toBe(true);
    // A typed URL or bookmark: the browser says "none".
    expect(isSameOrigin({ host, 'sec-fetch-site': 'none' })).toBe(true);
  });

  it('refuses other ports of the same host, other sites and opaque origins', () => {
    expect(isSameOrigin({ host, origin: 'http://camera.local:3000' })).toBe(false);
    expect(isSameOrigin({ host, origin: 'https://evil.example' })).toBe(false);
    expect(isSameOrigin({ host, origin: 'null' })).toBe(false);
    // Fetch metadata wins even where a request carries no Origin (a cross-site <img> or GET form).
    expect(isSameOrigin({ host, 'sec-fetch-site': 'same-site' })).toBe(false);
    expect(isSameOrigin({ host, 'sec-fetch-site': 'cross-site' })).toBe(false);
  });
});
