/**
 * Why a call ended, in words a person can act on. JsSIP reports a cause and, for SIP
 * failures, the final response; both are mapped here and nowhere else.
 */
import * as JsSIP from 'jssip';

export type CallEndKind = 'hung-up' | 'microphone-refused' | 'connection-lost' | 'not-accepted' | 'locked-out' | 'failed';

export interface CallEnd {
  kind: CallEndKind;
  message: string;
  /** True when the person should see it as an error. */
  error: boolean;
}

const MESSAGES: Record<CallEndKind, string> = {
  'hung-up': 'The call has ended.',
  'microphone-refused': 'The microphone was refused. Allow this page to use the microphone and call again.',
  'connection-lost': 'The connection to the camera was lost.',
  'not-accepted': 'The camera did not accept the call.',
  'locked-out': 'Too many wrong PINs: calls from here are locked out for a while.',
  failed: 'The call failed.',
};

export function callEnd(kind: CallEndKind): CallEnd {
  return { kind, message: MESSAGES[kind], error: kind !== 'hung-up' };
}

/** The reason phrase of a SIP answer plus the text of an RFC 3326 Reason header (BYE). */
function reasonTexts(message: unknown): { phrase: string; reason: string } {
  if (typeof message !== 'object' || message === null) return { phrase: '', reason: '' };
  const { reason_phrase: phrase } = message as { reason_phrase?: unknown };
  const getHeader = (message as { getHeader?: (name: string) => string | undefined }).getHeader;
  const header = typeof getHeader === 'function' ? (getHeader.call(message, 'Reason') ?? '') : '';
  return { phrase: typeof phrase === 'string' ? phrase : '', reason: /text="([^"]*)"/.exec(header)?.[1] ?? '' };
}

export function describeCallEnd(cause: string, message: unknown): CallEnd {
  const { phrase, reason } = reasonTexts(message);
  if (/lock/i.test(`${phrase} ${reason}`)) return callEnd('locked-out');
  const causes = JsSIP.C.causes;
  switch (cause) {
    case causes.BYE:
      // The gateway says why it hung up ("maximum call time reached", "wrong PIN").
      return reason ? { kind: 'hung-up', message: `The camera ended the call: ${reason}.`, error: false } : callEnd('hung-up');
    case causes.CANCELED:
      return callEnd('hung-up');
    case causes.USER_DENIED_MEDIA_ACCESS:
      return callEnd('microphone-refused');
    case causes.CONNECTION_ERROR:
    case causes.REQUEST_TIMEOUT:
    case causes.RTP_TIMEOUT:
    case causes.NO_ACK:
    case causes.DIALOG_ERROR:
      return callEnd('connection-lost');
    // 403/603, 486/600, 480/410/408/430, 404, no answer: the camera said no.
    case causes.REJECTED:
    case causes.BUSY:
    case causes.UNAVAILABLE:
    case causes.NOT_FOUND:
    case causes.NO_ANSWER:
      return callEnd('not-accepted');
    default:
      return callEnd('failed');
  }
}
