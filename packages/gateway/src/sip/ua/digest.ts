/**
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760).
 *
 * Pure functions plus one small server-side class:
 * - client: `parseChallenge`, `pickStrongestChallenge`, `answerChallenge` answer a 401/407;
 * - server: `DigestAuthority` issues challenges whose nonces are stateless (timestamp +
 *   random, HMAC-signed and bound to the challenged call, so nothing is stored per challenge
 *   and a forged, expired or moved nonce is recognised), remembers the nonce count of nonces
 *   answered correctly (replays are refused) and verifies credentials in constant time.
 *
 * Only qop=auth (or the RFC 2069 no-qop form when a server offers no qop) is supported:
 * auth-int would need the message body, and no peer we talk to asks for it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import type { Clock } from '../../core/clock.ts';
import { quote } from '../message/grammar.ts';

/** Algorithms ordered weakest to strongest (RFC 8760 §2.3: a UAC uses the strongest it supports). */
const DIGEST_ALGORITHMS = ['MD5', 'SHA-256', 'SHA-512-256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

const HASH_NAME: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  /** qop options offered; empty means RFC 2069 compatibility (no qop). */
  qop: string[];
  opaque?: string;
  /** The nonce expired but the previous credentials were right: retry without asking the user. */
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/**
 * Splits `Digest a=b, c="d, e"` into lower-cased parameter names and unquoted values.
 * Returns undefined when the scheme is not Digest or the syntax is broken.
 */
function parseDigestParams(header: string): Map<string, string> | undefined {
  const match = /^\s*digest\s+/i.exec(header);
  if (!match) return undefined;
  const params = new Map<string, string>();
  let i = match[0].length;
  const text = header;
  while (i < text.length) {
    while (i < text.length && (text[i] === ',' || text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) return undefined;
    const name = text.slice(i, eq).trim().toLowerCase();
    if (!/^[a-z0-9_-]+$/.test(name)) return undefined;
    i = eq + 1;
    while (text[i] === ' ' || text[i] === '\t') i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined; // unterminated quoted-string
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
    } else {
      const end = text.indexOf(',', i);
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      i = end < 0 ? text.length : end;
    }
    params.set(name, value);
  }
  return params;
}

function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5'; // RFC 2617 §3.2.1: absent means MD5
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === value.toLowerCase());
}

/** Parses one WWW-Authenticate / Proxy-Authenticate value; undefined if unusable by us. */
export function parseChallenge(header: string): DigestChallenge | undefined {
  const p = parseDigestParams(header);
  if (!p) return undefined;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (realm === undefined || !nonce || !algorithm) return undefined;
  const qop = (p.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter(Boolean);
  if (qop.length > 0 && !qop.includes('auth')) return undefined; // auth-int only
  const opaque = p.get('opaque');
  return { realm, nonce, algorithm, qop, stale: p.get('stale')?.toLowerCase() === 'true', ...(opaque !== undefined && { opaque }) };
}

/** Of several challenges (one header each), the one with the strongest algorithm we support. */
export function pickStrongestChallenge(headers: readonly string[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const h of headers) {
    const c = parseChallenge(h);
    if (c && (!best || DIGEST_ALGORITHMS.indexOf(c.algorithm) > DIGEST_ALGORITHMS.indexOf(best.algorithm))) best = c;
  }
  return best;
}

/** Parses an Authorization / Proxy-Authorization value. */
export function parseCredentials(header: string): DigestCredentials | undefined {
  const p = parseDigestParams(header);
  if (!p) return undefined;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (username === undefined || realm === undefined || !nonce || uri === undefined || !response || !algorithm) return undefined;
  const optional = (name: 'qop' | 'nc' | 'cnonce' | 'opaque') => {
    const v = p.get(name);
    return v === undefined ? {} : { [name]: v };
  };
  return { username, realm, nonce, uri, response, algorithm, ...optional('qop'), ...optional('nc'), ...optional('cnonce'), ...optional('opaque') };
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(HASH_NAME[algorithm]).update(text, 'utf8').digest('hex');
}

/**
 * What a server knows of a user: the password, or only H(A1) = H(username:realm:password)
 * in one algorithm (which is all a digest check needs and keeps the password unreadable).
 */
export type DigestSecret = { password: string } | { ha1: string; algorithm: DigestAlgorithm };

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  /** H(A1) in `algorithm`, instead of hashing `password`. */
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  /** With qop=auth: nonce count (8 hex digits) and client nonce. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

/** The `response` value (RFC 7616 §3.4.1; RFC 2069 form when qop is absent). */
export function computeDigestResponse(i: DigestInput): string {
  const ha1 = i.ha1 ?? hash(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  const ha2 = hash(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop === 'auth') return hash(i.algorithm, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:auth:${ha2}`);
  return hash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
}

function formatCredentials(c: DigestCredentials): string {
  const parts = [
    `username=${quote(c.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(c.uri)}`,
    `response=${quote(c.response)}`,
    `algorithm=${c.algorithm}`,
  ];
  if (c.qop) parts.push(`qop=${c.qop}`, `nc=${c.nc}`, `cnonce=${quote(c.cnonce ?? '')}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

export interface ClientCredentials {
  username: string;
  password: string;
}

/**
 * Builds the Authorization / Proxy-Authorization value answering `challenge`.
 * `nonceCount` is how many requests this nonce has already been used for, plus one.
 */
export function answerChallenge(
  challenge: DigestChallenge,
  request: { method: string; uri: string },
  credentials: ClientCredentials,
  nonceCount = 1,
  cnonce: string = randomBytes(12).toString('base64url'),
): string {
  const useQop = challenge.qop.includes('auth');
  const nc = nonceCount.toString(16).padStart(8, '0');
  const response = computeDigestResponse({
    algorithm: challenge.algorithm,
    username: credentials.username,
    realm: challenge.realm,
    password: credentials.password,
    method: request.method,
    uri: request.uri,
    nonce: challenge.nonce,
    ...(useQop && { qop: 'auth' as const, nc, cnonce }),
  });
  return formatCredentials({
    username: credentials.username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: request.uri,
    response,
    algorithm: challenge.algorithm,
    ...(useQop && { qop: 'auth', nc, cnonce }),
    ...(challenge.opaque !== undefined && { opaque: challenge.opaque }),
  });
}

export type DigestVerdict =
  | { ok: true; username: string }
  /**
   * `stale`: credentials were right but the nonce cannot be used again (expired, issued for
   * another call or address, or its nonce count did not increase): re-challenge with stale=true.
   */
  | { ok: false; reason: 'malformed' | 'wrong-realm' | 'bad-nonce' | 'stale' | 'unknown-user' | 'wrong-password' | 'uri-mismatch' };

export interface DigestAuthorityOptions {
  realm: string;
  clock: Clock;
  /** How long a nonce is accepted. */
  nonceLifetimeMs?: number;
  /** Offered in this order (RFC 8760 §2.4: preferred first). */
  algorithms?: readonly DigestAlgorithm[];
  /**
   * HMAC key; random per process by default (nonces do not survive a restart, which is fine).
   * A function is asked at every use: several gateways share one key that may arrive later.
   */
  secret?: Buffer | (() => Buffer);
}

/** How long a nonce is accepted by default. */
export const DIGEST_NONCE_LIFETIME_MS = 60_000;
/** Nonces whose last nonce count is remembered (only nonces answered correctly get an entry). */
export const MAX_TRACKED_NONCES = 10_000;
const NONCE_TIME_BYTES = 6;
const NONCE_RANDOM_BYTES = 9;
const NONCE_MAC_BYTES = 16;
const NONCE_BINDING_MAC_BYTES = 12;
const NONCE_DATA_BYTES = NONCE_TIME_BYTES + NONCE_RANDOM_BYTES;
const NONCE_BYTES = NONCE_DATA_BYTES + NONCE_MAC_BYTES + NONCE_BINDING_MAC_BYTES;

/**
 * Server side of Digest: issues challenges and checks answers.
 *
 * A nonce is HMAC-signed twice: once on its own (we issued it), once together with a
 * binding (the challenged request's Call-ID and source address), so it is good for that one
 * call from that one address only. Nonce counts of correctly answered nonces are remembered
 * until the nonce expires, and must increase: a replayed Authorization is refused (stale).
 */
export class DigestAuthority {
  readonly realm: string;
  readonly #clock: Clock;
  readonly #lifetimeMs: number;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #secret: () => Buffer;
  /** Highest nonce count accepted per nonce, oldest nonce first. */
  readonly #nonceCounts = new Map<string, { nc: number; expiresAt: number }>();

  constructor(options: DigestAuthorityOptions) {
    this.realm = options.realm;
    this.#clock = options.clock;
    this.#lifetimeMs = options.nonceLifetimeMs ?? DIGEST_NONCE_LIFETIME_MS;
    this.#algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    const secret = options.secret ?? randomBytes(32);
    this.#secret = typeof secret === 'function' ? secret : () => secret;
  }

  /** One header value per algorithm, for WWW-Authenticate / Proxy-Authenticate; `binding` ties the nonce to one request's call and source. */
  challenge(stale = false, binding = ''): string[] {
    const nonce = this.#issueNonce(binding);
    return this.#algorithms.map(
      (algorithm) =>
        `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
    );
  }

  /**
   * Checks an Authorization / Proxy-Authorization value for `method` against the secret
   * `lookupSecret` returns (an H(A1) only verifies answers in its own algorithm). `uriMatches` says whether the digest-uri names this request's
   * Request-URI (RFC 2617 §3.2.2.5), so credentials cannot be moved to another target; the
   * caller compares, because URI equality is the message layer's business. `binding` must
   * equal the one the nonce was issued with.
   */
  verify(
    header: string,
    request: { method: string; uriMatches?: (digestUri: string) => boolean; binding?: string },
    lookupSecret: (username: string) => DigestSecret | undefined,
  ): DigestVerdict {
    const c = parseCredentials(header);
    if (!c || !this.#algorithms.includes(c.algorithm)) return { ok: false, reason: 'malformed' };
    if (c.qop !== undefined && (c.qop !== 'auth' || !c.nc || !/^[0-9a-f]{8}$/i.test(c.nc) || !c.cnonce)) return { ok: false, reason: 'malformed' };
    if (c.qop === undefined) return { ok: false, reason: 'malformed' }; // we always offer qop=auth
    if (c.realm !== this.realm) return { ok: false, reason: 'wrong-realm' };
    const nonce = this.#openNonce(c.nonce, request.binding ?? '');
    if (nonce === undefined) return { ok: false, reason: 'bad-nonce' };
    if (request.uriMatches && !request.uriMatches(c.uri)) return { ok: false, reason: 'uri-mismatch' };
    const secret = lookupSecret(c.username);
    if (secret === undefined) return { ok: false, reason: 'unknown-user' };
    if ('ha1' in secret && secret.algorithm !== c.algorithm) return { ok: false, reason: 'malformed' };
    const expected = computeDigestResponse({
      algorithm: c.algorithm,
      username: c.username,
      realm: this.realm,
      ...('ha1' in secret ? { password: '', ha1: secret.ha1 } : { password: secret.password }),
      method: request.method,
      uri: c.uri,
      nonce: c.nonce,
      qop: 'auth',
      nc: c.nc!,
      cnonce: c.cnonce!,
    });
    if (!constantTimeEqual(expected, c.response.toLowerCase())) return { ok: false, reason: 'wrong-password' };
    if (nonce.age > this.#lifetimeMs || !nonce.bound || !this.#advanceNonceCount(c.nonce, parseInt(c.nc!, 16), nonce.age)) {
      return { ok: false, reason: 'stale' };
    }
    return { ok: true, username: c.username };
  }

  #mac(data: Buffer, bytes: number, binding?: string): Buffer {
    const hmac = createHmac('sha256', this.#secret()).update(data);
    if (binding !== undefined) hmac.update('\0binding\0').update(binding, 'utf8');
    return hmac.digest().subarray(0, bytes);
  }

  #issueNonce(binding: string): string {
    const data = Buffer.alloc(NONCE_DATA_BYTES);
    data.writeUIntBE(Math.floor(this.#clock.now()), 0, NONCE_TIME_BYTES);
    randomBytes(NONCE_RANDOM_BYTES).copy(data, NONCE_TIME_BYTES);
    return Buffer.concat([data, this.#mac(data, NONCE_MAC_BYTES), this.#mac(data, NONCE_BINDING_MAC_BYTES, binding)]).toString('base64url');
  }

  /** Age in ms of a nonce we issued and whether `binding` is the one it was issued for; undefined when we did not issue it. */
  #openNonce(nonce: string, binding: string): { age: number; bound: boolean } | undefined {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES) return undefined;
    const data = raw.subarray(0, NONCE_DATA_BYTES);
    if (!timingSafeEqual(this.#mac(data, NONCE_MAC_BYTES), raw.subarray(NONCE_DATA_BYTES, NONCE_DATA_BYTES + NONCE_MAC_BYTES))) return undefined;
    const age = this.#clock.now() - data.readUIntBE(0, NONCE_TIME_BYTES);
    if (age < 0) return undefined;
    const bound = timingSafeEqual(this.#mac(data, NONCE_BINDING_MAC_BYTES, binding), raw.subarray(NONCE_DATA_BYTES + NONCE_MAC_BYTES));
    return { age, bound };
  }

  /** Records `nc` for `nonce` if it is higher than any seen before (RFC 7616 §3.4: the count must increase). */
  #advanceNonceCount(nonce: string, nc: number, age: number): boolean {
    const now = this.#clock.now();
    for (const [key, entry] of this.#nonceCounts) {
      if (entry.expiresAt > now && this.#nonceCounts.size <= MAX_TRACKED_NONCES) break;
      this.#nonceCounts.delete(key);
    }
    const seen = this.#nonceCounts.get(nonce);
    if (seen && nc <= seen.nc) return false;
    this.#nonceCounts.set(nonce, { nc, expiresAt: now - age + this.#lifetimeMs });
    return true;
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
