/**
 * URIs as they appear in SIP (RFC 3261 19.1, RFC 3966 for tel:). `sip:`/`sips:` are fully
 * parsed; any other absolute URI (RFC 4475 3.3.4) is kept opaque so a header carrying it
 * still parses. Escaped characters are decoded on parse and re-escaped on output, so
 * `sip:%75ser@h` and `sip:user@h` compare equal.
 */
import { badRequest, formatParams, withParam, type Params } from './grammar.ts';

export type Uri = SipUri | TelUri | AbsoluteUri;

export interface SipUriInit {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Params;
  headers?: ReadonlyMap<string, string>;
}

export class SipUri {
  readonly scheme: 'sip' | 'sips';
  /** Decoded user part (may contain any character, even NUL). */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host name, IPv4 address or IPv6 reference with brackets (`[::1]`). */
  readonly host: string;
  readonly port: number | undefined;
  /** Decoded uri-parameters keyed by lower-case name. */
  readonly params: Params;
  readonly headers: ReadonlyMap<string, string>;

  constructor(init: SipUriInit) {
    this.scheme = init.scheme ?? 'sip';
    this.user = init.user;
    this.password = init.password;
    this.host = init.host;
    this.port = init.port;
    this.params = init.params ?? new Map();
    this.headers = init.headers ?? new Map();
  }

  /** `transport` parameter, lower-cased (`udp`, `tcp`, `ws`, ...), if any. */
  get transport(): string | undefined {
    return this.params.get('transport')?.toLowerCase() ?? undefined;
  }

  withParam(name: string, value: string | null | undefined): SipUri {
    return new SipUri({ ...this, params: withParam(this.params, name, value) });
  }

  /** Host without IPv6 brackets, as socket APIs want it. */
  get hostname(): string {
    return socketHost(this.host);
  }

  toString(): string {
    let out = `${this.scheme}:`;
    if (this.user !== undefined) {
      out += escape(this.user, USER_CHARS);
      if (this.password !== undefined) out += `:${escape(this.password, PASSWORD_CHARS)}`;
      out += '@';
    }
    out += this.host;
    if (this.port !== undefined) out += `:${this.port}`;
    for (const [name, value] of this.params) {
      out += `;${escape(name, PARAM_CHARS)}`;
      if (value !== null) out += `=${escape(value, PARAM_CHARS)}`;
    }
    let separator = '?';
    for (const [name, value] of this.headers) {
      out += `${separator}${escape(name, HEADER_CHARS)}=${escape(value, HEADER_CHARS)}`;
      separator = '&';
    }
    return out;
  }
}

/** RFC 3966 tel URI: `tel:+1-201-555-0123;phone-context=example.com`. */
export class TelUri {
  readonly scheme = 'tel';
  constructor(
    readonly number: string,
    readonly params: Params = new Map(),
  ) {}

  toString(): string {
    return `tel:${this.number}${formatParams(this.params)}`;
  }
}

/** Any other absolute URI (`http:`, `urn:`, unknown schemes), kept verbatim. */
export class AbsoluteUri {
  constructor(
    readonly scheme: string,
    readonly opaque: string,
  ) {}

  toString(): string {
    return `${this.scheme}:${this.opaque}`;
  }
}

/** An IP address or name as a SIP host (RFC 3261 §25.1 IPv6reference: IPv6 in brackets). */
export function sipHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** A SIP host without IPv6 brackets, as socket APIs want it. */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isSipUri(uri: Uri): uri is SipUri {
  return uri instanceof SipUri;
}

// Unescaped character sets of RFC 3261 25.1 (unreserved plus each part's extras).
const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const USER_CHARS = new RegExp(`[${UNRESERVED}&=+$,;?/]`);
const PASSWORD_CHARS = new RegExp(`[${UNRESERVED}&=+$,]`);
const PARAM_CHARS = new RegExp(`[${UNRESERVED}\\[\\]/:&+$]`);
const HEADER_CHARS = new RegExp(`[${UNRESERVED}\\[\\]/?:+$]`);

const RAW = (extra: string) => new RegExp(`^(?:[${UNRESERVED}${extra}]|%[0-9A-Fa-f]{2}|[^\\x00-\\x7f])*$`);
const RAW_USER = RAW('&=+$,;?/');
const RAW_PASSWORD = RAW('&=+$,');
const RAW_PARAM = RAW('\\[\\]/:&+$');
const RAW_HEADER = RAW('\\[\\]/?:+$');

const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_][A-Za-z0-9\-_.]*)$/;
const utf8 = new TextDecoder('utf-8');

function unescape(raw: string, allowed: RegExp, what: string): string {
  if (!allowed.test(raw)) throw badRequest(`Invalid character in ${what}`);
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '%') {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(raw[i]!));
    }
  }
  return utf8.decode(Uint8Array.from(bytes));
}

function escape(text: string, allowed: RegExp): string {
  let out = '';
  for (const c of text) {
    if (allowed.test(c)) out += c;
    else for (const byte of Buffer.from(c)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Parses any URI allowed in SIP; throws `SipError(400)` when malformed. */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  const scheme = text.slice(0, colon);
  if (colon <= 0 || !SCHEME.test(scheme)) throw badRequest('Malformed URI');
  if (/[\s<>"]/.test(text)) throw badRequest('Malformed URI');
  const lower = scheme.toLowerCase();
  const rest = text.slice(colon + 1);
  if (lower === 'sip' || lower === 'sips') return parseSipUriBody(lower, rest);
  if (lower === 'tel') return parseTel(rest);
  if (rest === '') throw badRequest('Malformed URI');
  return new AbsoluteUri(lower, rest);
}

/** Like `parseUri` but insists on `sip:`/`sips:`. */
export function parseSipUri(text: string): SipUri {
  const uri = parseUri(text);
  if (!(uri instanceof SipUri)) throw badRequest('Expected a SIP URI');
  return uri;
}

function parseTel(rest: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!/^\+?[0-9A-Fa-f*#\-.()pw]+$/.test(number)) throw badRequest('Malformed tel URI');
  const params = new Map<string, string | null>();
  if (semi >= 0) {
    for (const part of rest.slice(semi + 1).split(';')) {
      const [name, value] = splitOnce(part, '=');
      if (name === '') throw badRequest('Malformed tel URI');
      params.set(name.toLowerCase(), value ?? null);
    }
  }
  return new TelUri(number, params);
}

function parseSipUriBody(scheme: 'sip' | 'sips', rest: string): SipUri {
  let user: string | undefined;
  let password: string | undefined;
  // '@' may only appear (unescaped) as the end of userinfo.
  const at = rest.indexOf('@');
  let hostPart = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const [rawUser, rawPassword] = splitOnce(userinfo, ':');
    if (rawUser === '') throw badRequest('Empty user in SIP URI');
    user = unescape(rawUser, RAW_USER, 'URI user');
    if (rawPassword !== undefined) password = unescape(rawPassword, RAW_PASSWORD, 'URI password');
  }

  const question = hostPart.indexOf('?');
  const headersPart = question < 0 ? undefined : hostPart.slice(question + 1);
  const beforeHeaders = question < 0 ? hostPart : hostPart.slice(0, question);
  const semi = beforeHeaders.indexOf(';');
  const hostport = semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const paramsPart = semi < 0 ? undefined : beforeHeaders.slice(semi + 1);

  let host = hostport;
  let port: number | undefined;
  const portMatch = /^(.*?):(\d{1,5})$/.exec(hostport);
  if (portMatch && !hostport.endsWith(']')) {
    host = portMatch[1]!;
    port = Number(portMatch[2]);
    if (port > 65535) throw badRequest('Port out of range in SIP URI');
  }
  if (!HOST.test(host)) throw badRequest('Invalid host in SIP URI');

  const params = new Map<string, string | null>();
  if (paramsPart !== undefined) {
    for (const part of paramsPart.split(';')) {
      const [name, value] = splitOnce(part, '=');
      if (name === '') throw badRequest('Empty parameter in SIP URI');
      const decodedName = unescape(name, RAW_PARAM, 'URI parameter').toLowerCase();
      params.set(decodedName, value === undefined ? null : unescape(value, RAW_PARAM, 'URI parameter'));
    }
  }

  const headers = new Map<string, string>();
  if (headersPart !== undefined) {
    for (const part of headersPart.split('&')) {
      const [name, value] = splitOnce(part, '=');
      if (name === '' || value === undefined) throw badRequest('Malformed header in SIP URI');
      headers.set(unescape(name, RAW_HEADER, 'URI header'), unescape(value, RAW_HEADER, 'URI header'));
    }
  }
  return new SipUri({ scheme, user, password, host, port, params, headers });
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}
