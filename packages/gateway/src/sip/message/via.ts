/**
 * One Via header value (RFC 3261 20.42, 18.2.1; RFC 3581 rport). LWS is allowed around
 * '/', ':', ';' and '=' (RFC 4475 3.1.1.1), so parsing is tolerant of it; output is compact.
 */
import { badRequest, formatParams, isToken, parseParams, withParam, type Params } from './grammar.ts';

/** RFC 3261 8.1.1.7: branches of RFC 3261 compliant elements start with this cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export class Via {
  constructor(
    /** Upper-case transport token: UDP, TCP, TLS, WS, WSS, SCTP or anything else. */
    readonly transport: string,
    readonly host: string,
    readonly port: number | undefined,
    readonly params: Params = new Map(),
  ) {}

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }

  /** The branch was made by an RFC 3261 element (magic cookie plus something unique, 8.1.1.7). */
  get hasRfc3261Branch(): boolean {
    const branch = this.branch;
    return branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length;
  }

  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }

  /** RFC 3581: `true` when the client asked for rport, the number once a server filled it in. */
  get rport(): number | true | undefined {
    if (!this.params.has('rport')) return undefined;
    const value = this.params.get('rport');
    return value === null || value === undefined ? true : Number(value);
  }

  /** `host:port` with the transport's default port, lower-cased, for transaction matching. */
  get sentBy(): string {
    return `${this.host.toLowerCase()}:${this.port ?? defaultPort(this.transport)}`;
  }

  withParam(name: string, value: string | null | undefined): Via {
    return new Via(this.transport, this.host, this.port, withParam(this.params, name, value));
  }

  toString(): string {
    const port = this.port === undefined ? '' : `:${this.port}`;
    return `SIP/2.0/${this.transport} ${this.host}${port}${formatParams(this.params)}`;
  }
}

export function defaultPort(transport: string): number {
  const t = transport.toUpperCase();
  return t === 'TLS' || t === 'WSS' ? 5061 : 5060;
}

const VIA = /^SIP[ \t]*\/[ \t]*([^ \t/]+)[ \t]*\/[ \t]*([^ \t;]+)[ \t]+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_][A-Za-z0-9\-_.]*)(?:[ \t]*:[ \t]*(\d{1,5}))?[ \t]*(;.*)?$/is;

/** Parses one Via value (not a comma list); throws `SipError(400)`. */
export function parseVia(text: string): Via {
  const m = VIA.exec(text.trim());
  if (!m) throw badRequest('Malformed Via');
  const [, version, transport, host, port, params] = m;
  if (version !== '2.0') throw badRequest('Unsupported SIP version in Via');
  if (!isToken(transport!)) throw badRequest('Malformed Via transport');
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && portNumber > 65535) throw badRequest('Via port out of range');
  const parsed = parseParams(params ?? '', 'Via');
  const rport = parsed.get('rport');
  if (rport !== undefined && rport !== null && !(/^\d{1,5}$/.test(rport) && Number(rport) <= 65535)) throw badRequest('Malformed Via rport');
  return new Via(transport!.toUpperCase(), host!, portNumber, parsed);
}
