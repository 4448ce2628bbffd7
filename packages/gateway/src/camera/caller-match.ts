import type { CallerIdentity } from './call-port.ts';

/**
 * Compares callers with the "Accepted Phone Numbers or SIP Addresses" list and dialled
 * numbers with the "answer to" list, the way people write numbers and addresses.
 *
 * Numbers (`+49 30 1234-56`, `0049 30 123456`, `tel:+49-30-123456`, the user part of
 * `sip:+4930123456@provider;user=phone`):
 *  - visual separators are dropped: spaces, `( ) - . /`; the trunk prefix written as
 *    `(0)` after a country code (`+49 (0)30 ...`) is dropped too;
 *  - the international prefix `00` means `+`;
 *  - two international numbers match only when they are identical (E.164 exact match);
 *  - a national number (`030 123456`) is read as international only when a country code
 *    is configured (`countryCode: '49'` with trunk prefix `0` makes it `+4930123456`);
 *    without one it matches only the same national number. Where numbers have no trunk
 *    prefix (Italy: `trunkPrefix: ''`) a national number needs 6 digits or more, so an
 *    internal extension never turns into an international number. There is deliberately no suffix matching: "ends with
 *    the same 6 digits" would accept other people's numbers.
 *  - anything else (internal extensions like `21`) matches literally.
 *
 * SIP addresses compare user and host: the scheme (sip/sips), display name, port, URI
 * parameters and headers are ignored, the host is case-insensitive (RFC 3261 §19.1.4)
 * and the user is case-sensitive (also §19.1.4; `Alice` and `alice` are different
 * accounts on most registrars). A user part that is a phone number compares as a number.
 * An entry without `@` that is not a number (`alice`) names that SIP user on any host.
 *
 * None of this authenticates anyone: a From header is whatever the caller writes. The list
 * keeps strangers out; the PIN is what authenticates.
 */

export interface CallerMatchOptions {
  /** Country calling code without `+` (e.g. '49'); lets national numbers match international ones. */
  countryCode?: string;
  /** Trunk prefix that national numbers start with (default '0'); '' where there is none. */
  trunkPrefix?: string;
}

/** Shortest national number where there is no trunk prefix to recognise one by (extensions are shorter). */
const MIN_NATIONAL_DIGITS = 6;

type Address =
  | { kind: 'number'; number: string }
  | { kind: 'sip'; user: string; host: string; number: string | null }
  | { kind: 'user'; user: string; number: null };

const PHONE_LIKE = /^\+?[\d\s().\-/]*\d[\d\s().\-/]*$/;

/** Digits with an optional leading `+`, or null when `text` is not written like a phone number. */
export function normalizeNumber(text: string): string | null {
  const trimmed = text.trim();
  if (!PHONE_LIKE.test(trimmed)) return null;
  const withoutTrunk = trimmed.startsWith('+') ? trimmed.replace(/\(0\)/g, '') : trimmed;
  const compact = withoutTrunk.replace(/[\s().\-/]/g, '');
  return compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
}

function toE164(number: string, options: CallerMatchOptions): string {
  if (number.startsWith('+')) return number;
  if (!options.countryCode) return number;
  const trunk = options.trunkPrefix ?? '0';
  if (trunk === '') return number.length >= MIN_NATIONAL_DIGITS ? `+${options.countryCode}${number}` : number;
  if (number.startsWith(trunk) && /^[1-9]/.test(number.slice(trunk.length))) return `+${options.countryCode}${number.slice(trunk.length)}`;
  return number;
}

function numbersMatch(a: string, b: string, options: CallerMatchOptions = {}): boolean {
  return toE164(a, options) === toE164(b, options);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Parses a list entry or a URI; null when it is neither a number nor an address. */
function parseAddress(raw: string): Address | null {
  let text = raw.trim();
  const bracketed = /<([^>]*)>/.exec(text);
  if (bracketed) text = bracketed[1]!.trim();
  const scheme = /^(sips?|tel):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'tel') {
    const number = normalizeNumber(decode(text.slice(4).split(';')[0]!));
    return number === null ? null : { kind: 'number', number };
  }
  if (scheme === undefined && !text.includes('@')) {
    const number = normalizeNumber(text);
    if (number !== null) return { kind: 'number', number };
    return /^[^\s@:;?]+$/.test(text) ? { kind: 'user', user: decode(text), number: null } : null;
  }
  const rest = scheme === undefined ? text : text.slice(scheme.length + 1);
  const withoutHeaders = rest.split('?')[0]!;
  const at = withoutHeaders.lastIndexOf('@');
  const userinfo = at < 0 ? '' : withoutHeaders.slice(0, at);
  const hostPart = withoutHeaders.slice(at + 1).split(';')[0]!;
  const host = (hostPart.startsWith('[') ? hostPart.slice(0, hostPart.indexOf(']') + 1) : hostPart.split(':')[0]!).toLowerCase();
  if (host === '') return null;
  // userinfo = user [":" password]; a telephone-subscriber user may carry ;params (RFC 3261 §19.1.1).
  const user = decode(userinfo.split(':')[0]!);
  const number = user === '' ? null : normalizeNumber(user.split(';')[0]!);
  return { kind: 'sip', user, host, number };
}

function entryMatches(entry: Address, caller: Address, options: CallerMatchOptions): boolean {
  switch (entry.kind) {
    case 'number':
      return caller.kind !== 'user' && caller.number !== null && numbersMatch(entry.number, caller.number, options);
    case 'user':
      return caller.kind === 'sip' && caller.user === entry.user;
    case 'sip':
      if (caller.kind !== 'sip' || caller.host !== entry.host) return false;
      if (entry.number !== null && caller.number !== null) return numbersMatch(entry.number, caller.number, options);
      return caller.user === entry.user;
  }
}

/** Is this caller on the accepted list? An empty list accepts everyone (the help page's default). */
export function isAccepted(caller: CallerIdentity, list: readonly string[], options: CallerMatchOptions = {}): boolean {
  if (list.length === 0) return true;
  const address = parseAddress(caller.uri);
  if (address === null) return false;
  return list.some((line) => {
    const entry = parseAddress(line);
    return entry !== null && entryMatches(entry, address, options);
  });
}

/**
 * Does the camera answer calls to this Request-URI user (its "MSN")? An empty list answers
 * to any. Entries compare by user only (a `sip:` entry's host is the camera itself).
 */
export function answersTo(requestUser: string, list: readonly string[], options: CallerMatchOptions = {}): boolean {
  if (list.length === 0) return true;
  const user = decode(requestUser);
  const dialled = normalizeNumber(user.split(';')[0]!);
  return list.some((line) => {
    const entry = parseAddress(line);
    if (entry === null) return false;
    if (entry.number !== null && dialled !== null) return numbersMatch(entry.number, dialled, options);
    return entry.kind !== 'number' && entry.user === user;
  });
}

/**
 * The caller as the settings dialog offers it for the accepted list and as logs show it:
 * the number when the user part is one, else `sip:user@host`; no display name, no
 * parameters. Always one token without spaces, `<`, `>` or `"` (an accepted-list entry).
 */
export function presentCaller(uri: string): string {
  const address = parseAddress(uri);
  if (address === null) return 'unknown';
  // Re-escape what the parser decoded (RFC 3261 §25.1 `user`, minus '?' which starts headers) so it reads back the same.
  const user = (text: string) => text.replace(/[^\w\-.!~*'()&=+$,;/]/g, (c) => encodeURIComponent(c)).slice(0, 200);
  const host = (text: string) => text.replace(/[^\w\-.[\]:]/g, '').slice(0, 200);
  switch (address.kind) {
    case 'number':
      return address.number;
    case 'user':
      return user(address.user);
    case 'sip':
      if (address.number !== null) return address.number;
      return address.user === '' ? `sip:${host(address.host)}` : `sip:${user(address.user)}@${host(address.host)}`;
  }
}
