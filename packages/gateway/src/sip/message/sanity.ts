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

/** Session descriptions a new INVITE may carry: SDP, or a multipart body that may hold one (SIP-I from providers). */
const INVITE_BODY = /^(?:application\/sdp|multipart\/.+)$/;

/**
 * 8.2.3: "If a UAS does not understand the content type of a body, it MUST reject the
 * request with a 415 (Unsupported Media Type) response" listing what it does accept
 * (RFC 4475 3.3.6 invut). Only INVITE: in-dialog bodies (INFO DTMF) are the dialog's affair.
 */
export function rfc3261_8_2_3(request: SipRequest): SipError | undefined {
  if (request.method !== 'INVITE' || request.body.length === 0) return undefined;
  const type = request.contentType?.toLowerCase();
  if (type !== undefined && INVITE_BODY.test(type)) return undefined;
  return new SipError(415, 'Unsupported Media Type', [['Accept', 'application/sdp']]);
}

/**
 * 21.4.7 / 20.1: an INVITE whose Accept excludes SDP asks for an answer we cannot give,
 * so 406 (Not Acceptable) (RFC 4475 3.3.15 sdp01).
 */
export function rfc3261_21_4_7(request: SipRequest): SipError | undefined {
  if (request.method !== 'INVITE') return undefined;
  const accept = request.headers.getAll('Accept');
  if (accept.length === 0) return undefined; // absent means application/sdp (20.1)
  const ranges = accept.flatMap((value) => value.split(',')).map((range) => range.split(';')[0]!.trim().toLowerCase());
  if (ranges.every((range) => range === '')) return undefined; // empty Accept: no body wanted, not a refusal of SDP
  if (ranges.some((range) => range === 'application/sdp' || range === 'application/*' || range === '*/*')) return undefined;
  return new SipError(406, 'Not Acceptable', [['Warning', '399 camgate "answers are application/sdp only"']]);
}

/** Runs the request checks in RFC order; the first failure is the answer. */
export function checkRequest(request: SipRequest, supported: ReadonlySet<string>): SipError | undefined {
  return rfc3261_8_2_2_1(request) ?? rfc3261_8_2_2_3(request, supported) ?? rfc3261_8_2_3(request) ?? rfc3261_21_4_7(request);
}

/**
 * 8.1.3.3: "If more than one Via header field value is present in a response, the UAC
 * SHOULD discard the message" (it was meant for someone upstream; RFC 4475 3.3.10).
 * Returns why the response must be dropped, or undefined.
 */
export function rfc3261_8_1_3_3(response: SipResponse): string | undefined {
  return response.headers.getAll('Via').length > 1 ? 'response with more than one Via' : undefined;
}
