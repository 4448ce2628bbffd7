/**
 * SIP requests and responses (RFC 3261 7). Headers are kept as text in `headers`; typed
 * accessors (`via`, `from`, `cseq`, ...) parse on demand and cache until the header
 * changes. A message from the parser has already been validated, so its accessors of
 * mandatory headers do not throw; on a hand-built message they throw `SipError(400)`
 * when the header is missing or malformed.
 */
import { badRequest, splitOutside } from './grammar.ts';
import { parseCSeq, type CSeq } from './cseq.ts';
import { Headers, type HeaderValue } from './headers.ts';
import { NameAddr, parseNameAddr } from './name-addr.ts';
import { parseVia, type Via } from './via.ts';
import type { Uri } from './uri.ts';

export interface MessageInit {
  /** A `Headers` instance is adopted as is; pairs are appended in order. */
  headers?: Headers | Iterable<readonly [string, HeaderValue]>;
  body?: Buffer | string;
}

const CRLF = '\r\n';

export abstract class SipMessage {
  readonly headers: Headers;
  #body: Buffer;
  readonly #cache = new Map<string, { version: number; value: unknown }>();

  constructor(init: MessageInit = {}) {
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.#body = toBuffer(init.body);
  }

  abstract isRequest(): this is SipRequest;
  protected abstract startLine(): string;

  get body(): Buffer {
    return this.#body;
  }

  set body(body: Buffer | string) {
    this.#body = toBuffer(body);
  }

  /** Shorthand for `headers.get(name)`. */
  header(name: string): string | undefined {
    return this.headers.get(name);
  }

  get callId(): string {
    return this.#required('Call-ID');
  }

  get cseq(): CSeq {
    return this.#parsed('CSeq', () => parseCSeq(this.#required('CSeq')));
  }

  get from(): NameAddr {
    return this.#parsed('From', () => parseNameAddr(this.#required('From'), 'From'));
  }

  get to(): NameAddr {
    return this.#parsed('To', () => parseNameAddr(this.#required('To'), 'To'));
  }

  /** The Via stack, top first. */
  get vias(): readonly Via[] {
    return this.#parsed('Via', () => this.headers.getAll('Via').map(parseVia));
  }

  get via(): Via {
    const top = this.vias[0];
    if (!top) throw badRequest('Missing Via');
    return top;
  }

  /** Contact addresses; empty for none and for `Contact: *`. */
  get contacts(): readonly NameAddr[] {
    return this.#parsed('Contact', () => parseAddressList(this.headers.getAll('Contact'), 'Contact'));
  }

  get routes(): readonly NameAddr[] {
    return this.#parsed('Route', () => parseAddressList(this.headers.getAll('Route'), 'Route'));
  }

  get recordRoutes(): readonly NameAddr[] {
    return this.#parsed('Record-Route', () => parseAddressList(this.headers.getAll('Record-Route'), 'Record-Route'));
  }

  get maxForwards(): number | undefined {
    const value = this.headers.get('Max-Forwards');
    return value === undefined ? undefined : Number(value);
  }

  /** Content-Type without parameters, lower-cased (`application/sdp`). */
  get contentType(): string | undefined {
    return this.headers.get('Content-Type')?.split(';')[0]!.trim().toLowerCase();
  }

  /** Wire form; Content-Length always reflects `body`, whatever the header said. */
  toBuffer(): Buffer {
    let head = this.startLine() + CRLF;
    for (const { name, value } of this.headers) {
      if (name !== 'Content-Length') head += `${name}: ${value}${CRLF}`;
    }
    head += `Content-Length: ${this.#body.length}${CRLF}${CRLF}`;
    return this.#body.length === 0 ? Buffer.from(head) : Buffer.concat([Buffer.from(head), this.#body]);
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }

  #required(name: string): string {
    const value = this.headers.get(name);
    if (value === undefined) throw badRequest(`Missing ${name}`);
    return value;
  }

  #parsed<T>(name: string, parse: () => T): T {
    const hit = this.#cache.get(name);
    if (hit && hit.version === this.headers.version) return hit.value as T;
    const value = parse();
    this.#cache.set(name, { version: this.headers.version, value });
    return value;
  }
}

export class SipRequest extends SipMessage {
  constructor(
    public method: string,
    public uri: Uri,
    init?: MessageInit,
  ) {
    super(init);
  }

  isRequest(): this is SipRequest {
    return true;
  }

  protected startLine(): string {
    return `${this.method} ${this.uri.toString()} SIP/2.0`;
  }
}

export class SipResponse extends SipMessage {
  constructor(
    public status: number,
    public reason: string,
    init?: MessageInit,
  ) {
    super(init);
  }

  isRequest(): this is SipRequest {
    return false;
  }

  protected startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }
}

/** Parses the values of a list header of addresses; `*` (Contact wildcard) yields none. */
export function parseAddressList(values: readonly string[], what: string): NameAddr[] {
  const out: NameAddr[] = [];
  for (const value of values) {
    for (const part of splitOutside(value, ',', what)) {
      if (part.trim() === '*' && what === 'Contact') continue;
      out.push(parseNameAddr(part, what));
    }
  }
  return out;
}

function toBuffer(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
