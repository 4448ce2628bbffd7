import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';

import { FakeClock } from '../../../../src/core/clock.ts';
import {
  DigestAuthority,
  answerChallenge,
  computeDigestResponse,
  parseChallenge,
  parseCredentials,
  pickStrongestChallenge,
} from '../../../../src/sip/ua/digest.ts';

// RFC 7616 §3.9.1 example.
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  qop: 'auth' as const,
};

describe('Digest response computation (RFC 7616 §3.9.1, RFC 2617 §3.5)', () => {
  it('matches the RFC 7616 MD5 example', () => {
    expect(computeDigestResponse({ ...RFC7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('matches the RFC 7616 SHA-256 example', () => {
    expect(computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('matches the RFC 2617 example', () => {
    expect(
      computeDigestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });
});

describe('UAC: answering a 401/407 challenge (RFC 3261 §22.2, RFC 8760)', () => {
  it('parses quoted values containing commas and escapes', () => {
    const c = parseChallenge('Digest realm="a, \\"b\\"", nonce="n1", qop="auth,auth-int", opaque="o", stale=TRUE');
    expect(c).toEqual({ realm: 'a, "b"', nonce: 'n1', algorithm: 'MD5', qop: ['auth', 'auth-int'], opaque: 'o', stale: true });
  });

  it('rejects non-Digest schemes, unknown algorithms and broken syntax', () => {
    expect(parseChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseChallenge('Digest realm="x", nonce="n", algorithm=SHA-1')).toBeUndefined();
    expect(parseChallenge('Digest realm="x, nonce="n')).toBeUndefined();
    expect(parseChallenge('Digest realm="x", nonce="n", qop="auth-int"')).toBeUndefined();
  });

  it('chooses the strongest algorithm offered, whatever the header order', () => {
    const chosen = pickStrongestChallenge([
      'Digest realm="r", nonce="n", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"',
      'Digest realm="r", nonce="n", algorithm=SHA-1, qop="auth"',
    ]);
    expect(chosen?.algorithm).toBe('SHA-256');
  });

  it('produces credentials that reproduce the RFC 7616 SHA-256 response', () => {
    const challenge = parseChallenge(
      `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${RFC7616.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    )!;
    const header = answerChallenge(challenge, { method: 'GET', uri: RFC7616.uri }, RFC7616, 1, RFC7616.cnonce);
    const creds = parseCredentials(header)!;
    expect(creds).toMatchObject({
      username: 'Mufasa',
      nc: '00000001',
      qop: 'auth',
      algorithm: 'SHA-256',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    });
  });

  it('uses the RFC 2069 form when the server offers no qop', () => {
    const challenge = parseChallenge('Digest realm="r", nonce="abc"')!;
    const creds = parseCredentials(answerChallenge(challenge, { method: 'REGISTER', uri: 'sip:r' }, { username: 'u', password: 'p' }))!;
    expect(creds.qop).toBeUndefined();
    expect(creds.response).toBe(
      computeDigestResponse({ algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', method: 'REGISTER', uri: 'sip:r', nonce: 'abc' }),
    );
  });
});

describe('UAS: challenging and verifying (stateless signed nonces)', () => {
  const lookup = (u: string) => (u === 'alice' ? { password: 's3cret' } : undefined);
  const requestUri = 'sip:camera@example.org';
  const request = { method: 'INVITE', uriMatches: (uri: string) => uri === requestUri };

  function setup() {
    const clock = new FakeClock();
    const authority = new DigestAuthority({ realm: 'camgate', clock, nonceLifetimeMs: 30_000 });
    const [first] = authority.challenge();
    const challenge = parseChallenge(first!)!;
    const answer = (username: string, password: string, method = 'INVITE', uri = requestUri) =>
      answerChallenge(challenge, { method, uri }, { username, password });
    return { clock, authority, answer };
  }

  it('offers SHA-256 first, then MD5, each with qop=auth', () => {
    const { authority } = setup();
    const headers = authority.challenge();
    expect(headers.map((h) => parseChallenge(h)?.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(headers.every((h) => parseChallenge(h)?.qop.includes('auth'))).toBe(true);
  });

  it('accepts the right password and names the user', () => {
    const { authority, answer } = setup();
    expect(authority.verify(answer('alice', 's3cret'), request, lookup)).toEqual({ ok: true, username: 'alice' });
  });

  it('checks an MD5 answer against a stored H(A1) alone (accounts that keep no password)', () => {
    const authority = new DigestAuthority({ realm: 'camgate', clock: new FakeClock(), algorithms: ['MD5'] });
    const md5 = parseChallenge(authority.challenge()[0]!)!;
    const ha1 = createHash('md5').update('alice:camgate:s3cret').digest('hex');
    const byHa1 = (u: string) => (u === 'alice' ? { ha1, algorithm: 'MD5' as const } : undefined);
    const right = answerChallenge(md5, { method: 'INVITE', uri: requestUri }, { username: 'alice', password: 's3cret' });
    const wrong = answerChallenge(md5, { method: 'INVITE', uri: requestUri }, { username: 'alice', password: 'guess' });
    expect(authority.verify(right, request, byHa1)).toEqual({ ok: true, username: 'alice' });
    expect(authority.verify(wrong, request, byHa1)).toEqual({ ok: false, reason: 'wrong-password' });
  });

  it('accepts an MD5 answer to the MD5 challenge too', () => {
    const { authority } = setup();
    const md5 = parseChallenge(authority.challenge()[1]!)!;
    const header = answerChallenge(md5, { method: 'INVITE', uri: requestUri }, { username: 'alice', password: 's3cret' });
    expect(authority.verify(header, request, lookup).ok).toBe(true);
  });

  it('rejects a wrong password, an unknown user, another method and another Request-URI', () => {
    const { authority, answer } = setup();
    expect(authority.verify(answer('alice', 'guess'), request, lookup)).toEqual({ ok: false, reason: 'wrong-password' });
    expect(authority.verify(answer('mallory', 's3cret'), request, lookup)).toEqual({ ok: false, reason: 'unknown-user' });
    expect(authority.verify(answer('alice', 's3cret', 'BYE'), request, lookup)).toEqual({ ok: false, reason: 'wrong-password' });
    expect(authority.verify(answer('alice', 's3cret', 'INVITE', 'sip:door@example.org'), request, lookup)).toEqual({
      ok: false,
      reason: 'uri-mismatch',
    });
  });

  it('rejects a nonce it did not issue (forged or from another process)', () => {
    const { authority } = setup();
    const other = new DigestAuthority({ realm: 'camgate', clock: new FakeClock() });
    const foreign = parseChallenge(other.challenge()[0]!)!;
    const header = answerChallenge(foreign, { method: 'INVITE', uri: requestUri }, { username: 'alice', password: 's3cret' });
    expect(authority.verify(header, request, lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
    const madeUp = header.replace(/nonce="[^"]+"/, 'nonce="AAAA"');
    expect(authority.verify(madeUp, request, lookup)).toEqual({ ok: false, reason: 'bad-nonce' });
  });

  it('reports stale (RFC 2617 §3.2.1) once the nonce expired but the password was right', () => {
    const { clock, authority, answer } = setup();
    clock.advance(30_001);
    expect(authority.verify(answer('alice', 's3cret'), request, lookup)).toEqual({ ok: false, reason: 'stale' });
    expect(authority.verify(answer('alice', 'guess'), request, lookup)).toEqual({ ok: false, reason: 'wrong-password' });
    expect(authority.challenge(true)[0]).toContain('stale=true');
  });

  it('rejects garbage without throwing', () => {
    const { authority } = setup();
    for (const junk of ['', 'Digest', 'Digest username=', 'Digest username="a", realm="camgate"', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l']) {
      expect(authority.verify(junk, request, lookup)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('a nonce is good for the call and address it challenged only: elsewhere the right answer is stale', () => {
    const clock = new FakeClock();
    const authority = new DigestAuthority({ realm: 'camgate', clock });
    const challenge = parseChallenge(authority.challenge(false, 'call-1\n192.0.2.1')[0]!)!;
    const header = answerChallenge(challenge, { method: 'INVITE', uri: requestUri }, { username: 'alice', password: 's3cret' });
    expect(authority.verify(header, { ...request, binding: 'call-2\n192.0.2.1' }, lookup)).toEqual({ ok: false, reason: 'stale' });
    expect(authority.verify(header, { ...request, binding: 'call-1\n198.51.100.9' }, lookup)).toEqual({ ok: false, reason: 'stale' });
    expect(authority.verify(header, { ...request, binding: 'call-1\n192.0.2.1' }, lookup)).toEqual({ ok: true, username: 'alice' });
  });

  it('a replayed answer (same nonce count) is stale; a higher nonce count on the same nonce is accepted', () => {
    const clock = new FakeClock();
    const authority = new DigestAuthority({ realm: 'camgate', clock });
    const bound = { ...request, binding: 'call-1\n192.0.2.1' };
    const challenge = parseChallenge(authority.challenge(false, bound.binding)[0]!)!;
    const withCount = (nc: number) => answerChallenge(challenge, { method: 'INVITE', uri: requestUri }, { username: 'alice', password: 's3cret' }, nc);
    const first = withCount(1);
    expect(authority.verify(first, bound, lookup).ok).toBe(true);
    expect(authority.verify(first, bound, lookup)).toEqual({ ok: false, reason: 'stale' });
    expect(authority.verify(withCount(2), bound, lookup).ok).toBe(true);
    expect(authority.verify(withCount(2), bound, lookup)).toEqual({ ok: false, reason: 'stale' });
  });
});
