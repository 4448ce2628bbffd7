/**
 * SIP message parser (RFC 3261 7, 25) working on bytes: the header section is decoded as
 * UTF-8, the body stays a Buffer of exactly Content-Length bytes.
 *
 * Never throws. A request that is malformed but whose Via, From, To, Call-ID and CSeq
 * are readable yields a ready-made rejection (400 with a reason naming the problem, or
 * 505 for an unknown SIP version) for the transport to send back; anything else is
 * reported for dropping (RFC 4475: "400 or drop").
 */
import { SipError } from '../sip-error.ts';
import { badRequest, splitOutside } from './grammar.ts';
import { headerKey, isListHeader, SINGLE_VALUE_HEADERS } from './header-names.ts';
import { Headers } from './headers.ts';
import { SipRequest, SipResponse, type SipMessage } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import { newTag } from './ids.ts';
import { parseUri, SipUri, type Uri } from './uri.ts';

/** Largest message accepted on any transport (the UDP datagram limit; RFC 3261 18.1.1 MTU aside). */
export const MAX_MESSAGE_SIZE = 65_535;
/**
 * Longest Call-ID accepted. RFC 3261 sets no limit, but a Call-ID is logged with every call
 * event and kept in the call log; real ones are under 100 characters.
 */
const MAX_CALL_ID_LENGTH = 256;

export type ParseResult =
  | { readonly ok: true; readonly message: SipRequest | SipResponse }
  | {
      readonly ok: false;
      readonly error: SipError;
      /** Response to send back for a malformed request, when it can be addressed. */
      readonly rejection?: SipResponse;
    };

export interface ParseOptions {
  /**
   * Stream transports (TCP) MUST carry Content-Length (RFC 3261 18.3); datagrams and
   * WebSocket frames may omit it, the body then being the rest of the data.
   */
  requireContentLength?: boolean;
}

const utf8 = new TextDecoder('utf-8');

export function parseMessage(data: Buffer, options: ParseOptions = {}): ParseResult {
  if (data.length > MAX_MESSAGE_SIZE) return { ok: false, error: new SipError(513, 'Message Too Large') };
  let start = 0;
  // RFC 3261 7.5: CRLFs before the start line are ignored (also keep-alives).
  while (data[start] === 0x0d || data[start] === 0x0a) start++;
  const end = findHeaderEnd(data, start);
  const headEnd = end?.headEnd ?? data.length;
  const bodyStart = end?.bodyStart ?? data.length;
  // headEnd is the LF that starts the blank line: the section's last CR belongs to its line end.
  const lines = unfold(utf8.decode(data.subarray(start, headEnd)).replace(/\r$/, '').split(/\r?\n/));
  const startLine = lines.shift() ?? '';

  const headers = new Headers();
  let firstError: SipError | undefined;
  const fail = (error: unknown) => {
    firstError ??= error instanceof SipError ? error : badRequest('Malformed message');
  };
  // A CR not followed by LF is no SIP (RFC 3261 25.1 excludes it even as a quoted-pair) and could
  // end a line for the next parser that sees what we echo (Via, From, To, a provider's challenge).
  if (startLine.includes('\r')) fail(badRequest('Bare CR in start line'));

  for (const line of lines) {
    try {
      addHeaderLine(headers, line);
    } catch (error) {
      fail(error);
    }
  }

  let message: SipRequest | SipResponse | undefined;
  try {
    message = parseStartLine(startLine, headers);
  } catch (error) {
    fail(error);
  }
  const isRequest = message ? message.isRequest() : !startLine.startsWith('SIP/');

  if (message && !firstError) {
    try {
      validateHeaders(message);
      message.body = readBody(data, bodyStart, headers, options);
    } catch (error) {
      fail(error);
    }
  }
  if (message && !firstError) return { ok: true, message };
  const error = firstError ?? badRequest('Malformed message');
  return { ok: false, error, rejection: isRequest ? rejectionFor(headers, error) : undefined };
}

/**
 * Byte offsets of the end of the header section and of the start of the body, or
 * undefined when the blank line has not arrived yet. Accepts bare LF line ends.
 */
export function findHeaderEnd(data: Buffer, from = 0): { headEnd: number; bodyStart: number } | undefined {
  for (let i = data.indexOf(0x0a, from); i >= 0; i = data.indexOf(0x0a, i + 1)) {
    if (data[i + 1] === 0x0a) return { headEnd: i, bodyStart: i + 2 };
    if (data[i + 1] === 0x0d && data[i + 2] === 0x0a) return { headEnd: i, bodyStart: i + 3 };
  }
  return undefined;
}

/**
 * Content-Length from raw header text (any spelling, compact `l`), for stream framing.
 * Returns undefined when absent; throws `SipError(400)` when malformed.
 */
export function contentLengthOf(headerSection: string): number | undefined {
  const m = /(?:^|\n)[ \t]*(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(headerSection);
  if (!m) return undefined;
  return parseContentLength(m[1]!);
}

function parseContentLength(value: string): number {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) throw badRequest('Malformed Content-Length');
  const length = Number(text);
  if (length > MAX_MESSAGE_SIZE) throw new SipError(513, 'Message Too Large');
  return length;
}

/** RFC 3261 7.3.1: a line starting with SP or HTAB continues the previous header. */
function unfold(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 1) {
      out[out.length - 1] += ' ' + line.trim();
    } else if (line !== '') {
      out.push(line);
    }
  }
  return out;
}

function addHeaderLine(headers: Headers, line: string): void {
  if (line.includes('\r')) throw badRequest('Bare CR in header');
  const colon = line.indexOf(':');
  if (colon <= 0) throw badRequest('Malformed header line');
  const name = line.slice(0, colon).trimEnd();
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name)) throw badRequest('Malformed header name');
  const value = line.slice(colon + 1).trim();
  const key = headerKey(name);
  if (!isListHeader(key)) {
    headers.append(name, value);
    return;
  }
  let parts: string[];
  try {
    parts = splitOutside(value, ',', name).map((v) => v.trim());
    // An empty element (`a,,b`, a trailing comma) is malformed (RFC 4475 3.1.2.1).
    if (parts.length > 1 && parts.some((p) => p === '')) throw badRequest(`Empty value in ${name}`);
  } catch (error) {
    headers.append(name, value); // kept whole, so the 400 can still copy it (RFC 4475 3.1.2.1 badinv01)
    throw error;
  }
  for (const part of parts) headers.append(name, part);
}

const REQUEST_LINE = /^([^ ]+) ([^ ]+) SIP\/(\d+\.\d+)$/i;
const STATUS_LINE = /^SIP\/(\d+\.\d+) (\d{3})(?: (.*))?$/i;

function parseStartLine(line: string, headers: Headers): SipRequest | SipResponse {
  const status = STATUS_LINE.exec(line);
  if (status) {
    if (status[1] !== '2.0') throw new SipError(505, 'Version Not Supported');
    const code = Number(status[2]);
    if (code < 100 || code > 699) throw badRequest('Status code out of range');
    return new SipResponse(code, status[3] ?? '', { headers });
  }
  if (line.startsWith('SIP/')) throw badRequest('Malformed Status-Line');
  const request = REQUEST_LINE.exec(line);
  if (!request) throw badRequest('Malformed Request-Line');
  const [, method, uriText, version] = request;
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(method!)) throw badRequest('Malformed method');
  if (version !== '2.0') throw new SipError(505, 'Version Not Supported');
  let uri: Uri;
  try {
    uri = parseUri(uriText!);
  } catch {
    throw badRequest('Malformed Request-URI');
  }
  // RFC 3261 19.1.1: headers are not allowed in a Request-URI (RFC 4475 3.1.2.11).
  if (uri instanceof SipUri && uri.headers.size > 0) throw badRequest('Headers in Request-URI');
  return new SipRequest(method!, uri, { headers });
}

const DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Mandatory headers present once, readable, and consistent with the start line. */
function validateHeaders(message: SipMessage): void {
  const h = message.headers;
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!h.has(name)) throw badRequest(`Missing ${name}`);
  }
  for (const key of SINGLE_VALUE_HEADERS) {
    if (h.getAll(key).length > 1) throw badRequest(`Multiple ${key} values`);
  }
  if (!/^\S+$/.test(message.callId)) throw badRequest('Malformed Call-ID');
  if (message.callId.length > MAX_CALL_ID_LENGTH) throw badRequest('Call-ID too long');
  // Parse now (throwing SipError) what the stack relies on, so these accessors cannot throw later.
  const { vias, from, to, contacts, routes, recordRoutes } = message;
  void [vias, from, to, contacts, routes, recordRoutes];
  const cseq = message.cseq;
  if (message.isRequest() && cseq.method !== message.method) throw badRequest('CSeq method does not match');
  const maxForwards = h.get('Max-Forwards');
  if (maxForwards !== undefined && !/^\d{1,10}$/.test(maxForwards)) throw badRequest('Malformed Max-Forwards');
  const date = h.get('Date');
  if (date !== undefined && !DATE.test(date)) throw badRequest('Malformed Date');
}

function readBody(data: Buffer, bodyStart: number, headers: Headers, options: ParseOptions): Buffer {
  const declared = headers.get('Content-Length');
  if (declared === undefined) {
    if (options.requireContentLength) throw badRequest('Missing Content-Length');
    return data.subarray(bodyStart);
  }
  const length = parseContentLength(declared);
  // RFC 3261 18.3: extra octets after the body of a datagram are discarded (RFC 4475 3.1.1.8).
  if (bodyStart + length > data.length) throw badRequest('Content-Length larger than message');
  return data.subarray(bodyStart, bodyStart + length);
}

/** Statuses a malformed request is answered with as such; any other problem is a 400 naming it. */
const REJECTION_STATUSES = new Set([505, 513]);

/**
 * The answer to a malformed request (RFC 4475 3.1.2: "should respond with a 400"): Via,
 * From, To, Call-ID and CSeq copied as received, the first of each where there are
 * several (3.3.8 multi01), even when they do not parse (3.1.2.10 baddn, 3.1.2.14
 * badaspec): the answer goes back to the packet's source, not to the Via. Only a request
 * without Via or without a CSeq naming a method is dropped, since the client could not
 * match an answer to it. For 505 the Vias may carry the unknown version (3.1.2.16 badvers).
 */
function rejectionFor(headers: Headers, error: SipError): SipResponse | undefined {
  const vias = headers.getAll('Via');
  const cseq = headers.getAll('CSeq')[0];
  if (vias.length === 0 || cseq === undefined || !/^\S+[ \t]+\S+$/.test(cseq)) return undefined;
  const answer = new Headers();
  answer.set('Via', vias);
  const first = (name: string) => headers.getAll(name)[0];
  const from = first('From');
  if (from !== undefined) answer.set('From', from);
  const to = first('To');
  if (to !== undefined) answer.set('To', withToTag(to));
  const callId = first('Call-ID');
  if (callId !== undefined) answer.set('Call-ID', callId);
  answer.set('CSeq', cseq);
  const status = REJECTION_STATUSES.has(error.status) ? error.status : 400;
  return new SipResponse(status, error.reason, { headers: answer });
}

/** 8.2.6.2: our tag on a To without one, when it parses; a broken To is echoed as it came. */
function withToTag(to: string): string {
  try {
    const parsed = parseNameAddr(to, 'To');
    return parsed.tag === undefined ? parsed.withTag(newTag()).toString() : to;
  } catch {
    return to;
  }
}
