/**
 * The one error type for SIP protocol answers: whoever catches it can answer the request
 * with `status` and `reason` (drachtio-srf's `SipError(status, reason)`), plus any headers
 * the status requires (Unsupported for 420, Allow for 405, ...).
 */
export class SipError extends Error {
  override name = 'SipError';
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: ReadonlyArray<readonly [string, string]> = [],
  ) {
    super(`${status} ${reason}`);
  }
}

/**
 * A client transaction's Timer B (INVITE) or F (non-INVITE) fired before a final response:
 * "the UAC core MUST treat this reception as if it were a 408 (Request Timeout) response"
 * (RFC 3261 8.1.3.1), so the TU gets a SipError(408).
 */
export class TransactionTimeoutError extends SipError {
  override name = 'TransactionTimeoutError';
  constructor(readonly timer: 'B' | 'F') {
    super(408, 'Request Timeout');
  }
}
