import { UnsupportedError } from '../../core/errors.ts';

export type SdpNegotiationFailure = 'malformed' | 'no-audio' | 'no-common-codec' | 'unsupported-transport';

/**
 * An offer the media layer cannot answer (RFC 3264 §6: the offer is rejected as a whole).
 * The SIP glue answers it with 488 Not Acceptable Here (RFC 3261 §21.4.26).
 */
export class SdpNegotiationError extends UnsupportedError {
  override name = 'SdpNegotiationError';
  constructor(
    readonly failure: SdpNegotiationFailure,
    message: string,
  ) {
    super(message);
  }
}
