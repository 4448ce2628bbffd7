/**
 * Life of an incoming call at the UAS:
 *
 *   incoming --ring()--> ringing --accept()--> answered --ACK--> established
 *       \________________\___________\____________\_____________________\--> terminated
 *
 * `answered`: 200 OK sent, retransmitted until the ACK arrives (RFC 3261 §13.3.1.4).
 */
export type CallState = 'incoming' | 'ringing' | 'answered' | 'established' | 'terminated';

export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  incoming: ['ringing', 'answered', 'terminated'],
  ringing: ['answered', 'terminated'],
  answered: ['established', 'terminated'],
  established: ['terminated'],
  terminated: [],
};

/** Why a call ended, as the TU sees it. */
export type CallEndCause =
  /** The caller sent BYE. */
  | 'remote-bye'
  /** We hung up (BYE). */
  | 'local-bye'
  /** The caller gave up before we answered (CANCEL). */
  | 'cancelled'
  /** We turned the call down (`reject()`). */
  | 'rejected'
  /** No ACK for our 200 OK within 64*T1 (§13.3.1.4): we sent BYE where the caller is verified. */
  | 'ack-timeout'
  /** A response or request could not be sent, or the caller's WebSocket closed. */
  | 'transport-error'
  /** The stack is closing. */
  | 'shutdown';
