import { describe, expect, it } from 'vitest';
import { embedSnippet } from '../../src/services/embed-snippet.ts';

describe('the embed snippet of a softphone account', () => {
  it('loads camgate.js from the gateway and names the account, without its password', () => {
    expect(embedSnippet(new URL('http://camera.local:8080/'), 'frontdoor')).toBe(
      [
        '<script type="module" src="http://camera.local:8080/camgate.js"></script>',
        '<camgate-softphone gateway="http://camera.local:8080" username="frontdoor" password="PASSWORD"></camgate-softphone>',
      ].join('\n'),
    );
  });

  it('keeps a gateway under a path, and escapes what would break the attribute', () => {
    const snippet = embedSnippet(new URL('https://example.org/cam/'), 'a"b<c&d');
    expect(snippet).toContain('src="https://example.org/cam/camgate.js"');
    expect(snippet).toContain('gateway="https://example.org/cam"');
    expect(snippet).toContain('username="a&quot;b&lt;c&amp;d"');
  });

  it('names the camera to call by its SIP user', () => {
    const snippet = embedSnippet(new URL('http://camera.local:8080/'), 'shop', 'frontdoor');
    expect(snippet).toContain('<camgate-softphone gateway="http://camera.local:8080" username="shop" password="PASSWORD" camera="frontdoor"></camgate-softphone>');
  });
});
