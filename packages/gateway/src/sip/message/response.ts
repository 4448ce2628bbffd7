/**
 * Building a response from a request (RFC 3261 8.2.6): Via (all, in order), From, To,
 * Call-ID and CSeq are copied; a To-tag is added unless the request's To already has one
 * (a 100 Trying gets none: "a To tag MAY be present", 8.2.6.2). Timestamp is echoed in
 * 100 Trying (8.2.6.1).
 */
import { Headers, type HeaderValue } from './headers.ts';
import { newTag } from './ids.ts';
import { SipResponse, type SipRequest } from './message.ts';
import { parseNameAddr } from './name-addr.ts';
import { reasonPhrase } from './reason-phrases.ts';

export interface ResponseOptions {
  /** Reason phrase; the RFC 3261 one for `status` by default. */
  reason?: string;
  /**
   * To-tag for a request without one. A UAS answering one INVITE must reuse the same tag
   * in every response that creates or confirms the dialog; a fresh one is made if absent.
   */
  toTag?: string;
  /** Extra headers (Contact, Allow, Unsupported, ...), appended in order. */
  headers?: Iterable<readonly [string, HeaderValue]>;
  body?: Buffer | string;
}

export function createResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const requestHeaders = request.headers;
  const headers = new Headers();
  headers.set('Via', requestHeaders.getAll('Via'));
  headers.set('From', requestHeaders.get('From') ?? '');
  const to = requestHeaders.get('To') ?? '';
  const toHasTag = parseNameAddr(to, 'To').tag !== undefined;
  headers.set('To', toHasTag || status === 100 ? to : parseNameAddr(to, 'To').withTag(options.toTag ?? newTag()).toString());
  headers.set('Call-ID', requestHeaders.get('Call-ID') ?? '');
  headers.set('CSeq', requestHeaders.get('CSeq') ?? '');
  const timestamp = requestHeaders.get('Timestamp');
  if (status === 100 && timestamp !== undefined) headers.set('Timestamp', timestamp);
  for (const [name, value] of options.headers ?? []) headers.append(name, value);
  return new SipResponse(status, options.reason ?? reasonPhrase(status), { headers, body: options.body });
}
