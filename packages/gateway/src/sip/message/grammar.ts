/**
 * Small lexical helpers for RFC 3261 section 25 grammar shared by the header parsers:
 * tokens, quoted strings, parameter lists and comma splitting that respects quotes and <>.
 * Every failure is a `SipError(400, ...)` so a caller can answer with it.
 */
import { SipError } from '../sip-error.ts';
import { clip } from './clip.ts';

/** Map of lower-cased parameter name to raw value (`null` for a flag such as `;lr`). */
export type Params = ReadonlyMap<string, string | null>;

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

export function badRequest(reason: string): SipError {
  return new SipError(400, reason);
}

/**
 * Splits `text` on `separator` outside quoted strings and <...>. Throws on an
 * unterminated quoted string or angle bracket.
 */
export function splitOutside(text: string, separator: ',' | ';', what: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '\\') i++;
      else if (c === '"') inQuotes = false;
    } else if (c === '"') {
      inQuotes = true;
    } else if (inAngle) {
      if (c === '>') inAngle = false;
    } else if (c === '<') {
      inAngle = true;
    } else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuotes) throw badRequest(`Unterminated quoted string in ${what}`);
  if (inAngle) throw badRequest(`Unterminated <> in ${what}`);
  parts.push(text.slice(start));
  return parts;
}

/** Reads a quoted-string starting at `text[start] === '"'`; returns its unescaped content and end index. */
export function readQuoted(text: string, start: number, what: string): { value: string; end: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      if (i + 1 >= text.length) break;
      value += text[++i];
    } else if (c === '"') {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  throw badRequest(`Unterminated quoted string in ${what}`);
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Removes surrounding quotes (and quoted-pair escapes) from a raw parameter value. */
export function unquote(raw: string): string {
  return raw.startsWith('"') ? readQuoted(raw, 0, 'parameter').value : raw;
}

/**
 * Parses `;name=value;flag` (the leading `;` optional), tolerant of LWS around `;` and `=`.
 * Names must be tokens; values tokens, quoted strings or IPv6 addresses.
 */
export function parseParams(text: string, what: string): Map<string, string | null> {
  const params = new Map<string, string | null>();
  const trimmed = text.trim();
  if (trimmed === '') return params;
  const body = trimmed.startsWith(';') ? trimmed.slice(1) : trimmed;
  for (const part of splitOutside(body, ';', what)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!isToken(name)) throw badRequest(`Invalid parameter in ${what}`);
    if (eq < 0) {
      params.set(name.toLowerCase(), null);
      continue;
    }
    const value = part.slice(eq + 1).trim();
    // Bare IPv6 addresses appear in Via `received` (RFC 3261 20.42), bracketed ones in `maddr`.
    const valid = isToken(value) || /^\[?[0-9A-Fa-f:.]+\]?$/.test(value) || /^"(?:[^"\\]|\\.)*"$/s.test(value);
    if (!valid) throw badRequest(`Invalid value of parameter ${clip(name, 32)} in ${what}`);
    params.set(name.toLowerCase(), value);
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Replaces one parameter (or adds it) and returns a new map; `undefined` removes it. */
export function withParam(params: Params, name: string, value: string | null | undefined): Map<string, string | null> {
  const next = new Map(params);
  if (value === undefined) next.delete(name.toLowerCase());
  else next.set(name.toLowerCase(), value);
  return next;
}
