/**
 * Why a call ended, in words a person can act on. JsSIP reports a cause and, for SIP
 * failures, the final response; the gateway's status code and reason phrase (see
 * calls/call-manager.ts and sip/ua/user-agent.ts) tell the cases apart, mapped here and
 * nowhere else.
 */
import * as JsSIP from 'jssip';

export type CallEndKind =
  | 'hung-up'
  | 'connection-lost'
  | 'wrong-credentials'
  | 'not-accepted'
  | 'camera-not-allowed'
  | 'locked-out'
  | 'disabled'
  | 'no-such-number'
  | 'busy'
  | 'unavailable'
  | 'no-audio-path'
  | 'failed';

export interface CallEnd {
  kind: CallEndKind;
  message: string;
  /** True when the person should see it as an error. */
  error: boolean;
}

/** Who is calling and how the camera was reached: some messages name them. */
export interface CallContext {
  /** The softphone's own SIP URI (what the accepted list must name). */
  identity?: string;
  /** The addresses the camera announced for its audio (ICE candidates of its answer). */
  announced?: readonly string[];
}

const MESSAGES: Record<CallEndKind, (context: CallContext) => string> = {
  'hung-up': () => 'The call has ended.',
  'connection-lost': () => 'The connection to the camera was lost.',
  'wrong-credentials': () =>
    'The camera refused the softphone account: wrong user name or password (or the account was deleted).',
  'not-accepted': ({ identity }) =>
    `The camera does not accept calls from ${identity ?? 'this softphone'}: add it to the accepted phone numbers and SIP addresses in the Incoming Calls settings.`,
  'camera-not-allowed': () =>
    'This softphone account may not call this camera: the admin chooses the cameras it may call under "Softphone accounts".',
  'locked-out': () => 'Too many wrong PINs: calls from here are locked out for a while.',
  disabled: () => 'The camera takes no calls: incoming calls are switched off in its settings.',
  'no-such-number': () => 'The camera does not answer to this number: see "Answer to numbers" in the Incoming Calls settings.',
  busy: () => 'The camera is busy. Try again in a moment.',
  unavailable: () => 'The camera cannot take calls right now. Try again in a moment.',
  'no-audio-path': ({ announced = [] }) =>
    announced.length > 0
      ? `No audio path to the camera: the announced address ${announced.join(', ')} cannot be reached from this browser. Check the gateway's --announced-ip (and that a firewall lets the WebRTC ports through).`
      : 'No audio path to the camera: the browser and the camera could not connect their audio. Check the gateway\'s --announced-ip and firewall.',
  failed: () => 'The call failed.',
};

export function callEnd(kind: CallEndKind, context: CallContext = {}): CallEnd {
  return { kind, message: MESSAGES[kind](context), error: kind !== 'hung-up' };
}

/** The status and reason phrase of a SIP answer plus the text of an RFC 3326 Reason header (BYE). */
function answerOf(message: unknown): { status: number; phrase: string; reason: string } {
  if (typeof message !== 'object' || message === null) return { status: 0, phrase: '', reason: '' };
  const { reason_phrase: phrase, status_code: status } = message as { reason_phrase?: unknown; status_code?: unknown };
  const getHeader = (message as { getHeader?: (name: string) => string | undefined }).getHeader;
  const header = typeof getHeader === 'function' ? (getHeader.call(message, 'Reason') ?? '') : '';
  return {
    status: typeof status === 'number' ? status : 0,
    phrase: typeof phrase === 'string' ? phrase : '',
    reason: /text="([^"]*)"/.exec(header)?.[1] ?? '',
  };
}

/** The kind of a final SIP answer to the INVITE, by its status and the gateway's reason phrase. */
function kindOfAnswer(status: number, phrase: string): CallEndKind | null {
  if (status === 401 || status === 407) return 'wrong-credentials'; // challenged again after credentials
  if (status === 403 || status === 603) {
    if (/credentials|not the account/i.test(phrase)) return 'wrong-credentials';
    if (/not allowed for this account/i.test(phrase)) return 'camera-not-allowed';
    return 'not-accepted';
  }
  if (status === 480 && /disabled/i.test(phrase)) return 'disabled';
  if (status === 404 || status === 484) return 'no-such-number';
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 503 || status === 408 || status === 410) return 'unavailable';
  return null;
}

export function describeCallEnd(cause: string, message: unknown, context: CallContext = {}): CallEnd {
  const { status, phrase, reason } = answerOf(message);
  if (/lock/i.test(`${phrase} ${reason}`)) return callEnd('locked-out', context);
  const causes = JsSIP.C.causes;
  switch (cause) {
    case causes.BYE:
      // The gateway says why it hung up ("maximum call time reached", "wrong PIN").
      return reason ? { kind: 'hung-up', message: `The camera ended the call: ${reason}.`, error: false } : callEnd('hung-up');
    case causes.CANCELED:
      return callEnd('hung-up');
    case causes.AUTHENTICATION_ERROR:
      return callEnd('wrong-credentials', context);
    case causes.CONNECTION_ERROR:
    case causes.REQUEST_TIMEOUT:
    case causes.RTP_TIMEOUT:
    case causes.NO_ACK:
    case causes.DIALOG_ERROR:
      return callEnd('connection-lost');
  }
  const kind = kindOfAnswer(status, phrase);
  if (kind) return callEnd(kind, context);
  // Anything else: name the answer, so the person (or whoever helps them) can look it up.
  return status > 0
    ? { kind: 'failed', message: `The call failed: the camera answered ${status} ${phrase}.`.replace(' .', '.'), error: true }
    : callEnd('failed');
}
