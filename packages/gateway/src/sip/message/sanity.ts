/**
 * Checks a UAS runs on a syntactically valid message before handing it to a transaction,
 * each named after the RFC section that demands it (JsSIP's idea). Syntax errors
 * (missing mandatory headers, CSeq/method mismatch, bad Content-Length) are the parser's.
 *
 * Deliberately absent: rejecting Max-Forwards 0 with 483. That is a proxy's duty
 * (RFC 3261 16.3); an endpoint "should process the request as if the Max-Forwards field
 * value were still positive" (RFC 4475 3.3.11).
 */
import { SipError } from '../sip-error.ts';
import type { SipRequest, SipResponse } from './message.ts';

const SUPPORTED_SCHEMES = new Set(['sip', 'sips', 'tel']);

/** 8.2.2.1: a Request-URI scheme the UAS does not understand gets 416. */
export function rfc3261_8_2_2_1(request: SipRequest): SipError | undefined {
  if (SUPPORTED_SCHEMES.has(request.uri.scheme)) return undefined;
  return new SipError(416, 'Unsupported URI Scheme');
}

/**
 * 8.2.2.3: an extension in Require that the UAS does not support gets 420 with an
 * Unsupported header listing it. Not applied to ACK, and CANCEL must not carry Require.
 */
export function rfc3261_8_2_2_3(request: SipRequest, supported: ReadonlySet<string>): SipError | undefined {
  if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
  const unsupported = request.headers
    .getAll('Require')
    .map((option) => option.trim().toLowerCase())
    .filter((option) => option !== '' && !supported.has(option));
  if (unsupported.length === 0) return undefined;
  return new SipError(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
}

/** Runs the request checks in RFC order; the first failure is the answer. */
export function checkRequest(request: SipRequest, supported: ReadonlySet<string>): SipError | undefined {
  return rfc3261_8_2_2_1(request) ?? rfc3261_8_2_2_3(request, supported);
}

/**
 * 8.1.3.3: "If more than one Via header field value is present in a response, the UAC
 * SHOULD discard the message" (it was meant for someone upstream; RFC 4475 3.3.10).
 * Returns why the response must be dropped, or undefined.
 */
export function rfc3261_8_1_3_3(response: SipResponse): string | undefined {
  return response.headers.getAll('Via').length > 1 ? 'response with more than one Via' : undefined;
}
