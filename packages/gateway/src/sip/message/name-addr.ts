/**
 * `name-addr` / `addr-spec` with header parameters (RFC 3261 20.10, 25.1): the value of
 * From, To, Contact, Route, Record-Route and friends.
 *
 *   "Bob \"B\"" <sip:bob@example.com>;tag=1    display name quoted, escapes decoded
 *   Bob <sip:bob@example.com>                   display name as tokens
 *   sip:bob@example.com;tag=1                   addr-spec: `;tag` belongs to the header
 */
import { badRequest, formatParams, isToken, parseParams, quote, readQuoted, withParam, type Params } from './grammar.ts';
import { parseUri, type Uri } from './uri.ts';

export class NameAddr {
  constructor(
    readonly uri: Uri,
    readonly displayName: string | undefined = undefined,
    readonly params: Params = new Map(),
  ) {}

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  withTag(tag: string): NameAddr {
    return this.withParam('tag', tag);
  }

  withParam(name: string, value: string | null | undefined): NameAddr {
    return new NameAddr(this.uri, this.displayName, withParam(this.params, name, value));
  }

  toString(): string {
    const name = this.displayName === undefined || this.displayName === '' ? '' : `${quote(this.displayName)} `;
    return `${name}<${this.uri.toString()}>${formatParams(this.params)}`;
  }
}

/** Parses one name-addr or addr-spec (not a comma list); throws `SipError(400)`. */
export function parseNameAddr(text: string, what = 'address'): NameAddr {
  const value = text.trim();
  let displayName: string | undefined;
  let rest: string;

  if (value.startsWith('"')) {
    const quoted = readQuoted(value, 0, what);
    displayName = quoted.value;
    rest = value.slice(quoted.end).trimStart();
    if (!rest.startsWith('<')) throw badRequest(`Expected <URI> after display name in ${what}`);
  } else {
    const lt = value.indexOf('<');
    if (lt > 0) {
      const words = value.slice(0, lt).trim().split(/[ \t]+/);
      if (!words.every(isToken)) throw badRequest(`Invalid display name in ${what}`);
      displayName = words.join(' ');
    }
    rest = lt >= 0 ? value.slice(lt) : value;
  }

  if (rest.startsWith('<')) {
    const gt = rest.indexOf('>');
    if (gt < 0) throw badRequest(`Unterminated <> in ${what}`);
    // No whitespace allowed inside <> (RFC 4475 3.1.2.14): parseUri rejects it.
    const uri = parseUri(rest.slice(1, gt));
    return new NameAddr(uri, displayName, parseParams(rest.slice(gt + 1), what));
  }

  // addr-spec: the URI ends at the first ';' and may not carry ',', '?' or ';' itself
  // (RFC 3261 20.10), so `sip:a@b?Route=...` without <> is malformed (RFC 4475 3.1.2.13).
  const semi = rest.indexOf(';');
  const uriText = (semi < 0 ? rest : rest.slice(0, semi)).trimEnd();
  if (/[?,]/.test(uriText)) throw badRequest(`URI with '?' or ',' must be enclosed in <> in ${what}`);
  const uri = parseUri(uriText);
  return new NameAddr(uri, undefined, parseParams(semi < 0 ? '' : rest.slice(semi), what));
}
