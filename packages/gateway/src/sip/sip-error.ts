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
