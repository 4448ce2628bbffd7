/**
 * The client side of SIP digest (RFC 2617 / RFC 8760 with MD5, qop=auth), written out here
 * so a replayed or wrong Proxy-Authorization is built independently of the gateway's code.
 */
import { createHash, randomBytes } from 'node:crypto';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export interface Challenge {
  realm: string;
  nonce: string;
  qop: string | undefined;
  opaque: string | undefined;
}

/** Reads a `Proxy-Authenticate: Digest realm="…", nonce="…", …` value. */
export function parseChallenge(header: string): Challenge {
  const param = (name: string) => new RegExp(`${name}="?([^",]*)"?`, 'i').exec(header)?.[1];
  const realm = param('realm');
  const nonce = param('nonce');
  if (realm === undefined || nonce === undefined) throw new Error(`not a digest challenge: ${header}`);
  const qop = param('qop')?.split(/\s*,\s*/).includes('auth') ? 'auth' : undefined;
  return { realm, nonce, qop, opaque: param('opaque') };
}

/** A `Proxy-Authorization` value answering `challenge` for `method uri`. */
export function authorization(c: Challenge, o: { username: string; password: string; method: string; uri: string; nc?: number }): string {
  const ha1 = md5(`${o.username}:${c.realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const response = c.qop ? md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
  return [
    `Digest username="${o.username}"`, `realm="${c.realm}"`, `nonce="${c.nonce}"`, `uri="${o.uri}"`, `response="${response}"`, 'algorithm=MD5',
    ...(c.qop ? ['qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`] : []),
    ...(c.opaque !== undefined ? [`opaque="${c.opaque}"`] : []),
  ].join(', ');
}
