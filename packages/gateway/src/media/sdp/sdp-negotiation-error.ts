import { UnsupportedError } from '../../core/errors.ts';

export type SdpNegotiationFailure = 'malformed' | 'bad-address' | 'no-audio' | 'no-common-codec' | 'unsupported-transport';

/** RFC 3261 §20.43 warning codes, one per failure, for the 488's Warning header. */
const WARNING_CODES: Record<SdpNegotiationFailure, number> = {
  malformed: 399,
  'bad-address': 301,
  'no-audio': 304,
  'no-common-codec': 305,
  'unsupported-transport': 302,
};

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

  /** `Warning: 3xx agent "text"` naming what was wrong (the text has no quotes or control characters). */
  warning(agent: string): string {
    const text = Array.from(this.message, (c) => (c < ' ' || c === '\u007f' || c === '"' || c === '\\' ? ' ' : c)).join('');
    return `${WARNING_CODES[this.failure]} ${agent} "${text}"`;
  }
}
