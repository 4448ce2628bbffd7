/**
 * Call admission (before the TU, and so before any RTP port is taken): how many calls the
 * user agent holds at once, in all and per source address, and how many of a source's
 * INVITEs may wait for their ACK. INVITEs that are never ACKed or calls a single host
 * keeps open must not use up the RTP ports or the calls other callers need.
 */
import { SipError } from '../sip-error.ts';
import type { CallState } from './call-state.ts';

/** Concurrent calls in all (each holds an RTP port pair and a mediasoup transport). */
export const DEFAULT_MAX_CALLS = 100;
/** Concurrent calls from one source address (a PBX or provider proxy brings several). */
export const DEFAULT_MAX_CALLS_PER_SOURCE = 4;
/** INVITEs of one source address not yet ACKed (ringing, or answered and waiting for the ACK). */
export const DEFAULT_MAX_PENDING_INVITES_PER_SOURCE = 2;
/** Retry-After (s) for a source over its quota: its pending calls end within 64*T1 = 32 s. */
const SOURCE_RETRY_AFTER_S = 32;
/** Retry-After (s) when the gateway as a whole is full. */
const CAPACITY_RETRY_AFTER_S = 60;

export interface CallAdmissionLimits {
  readonly maxCalls: number;
  readonly maxCallsPerSource: number;
  readonly maxPendingInvitesPerSource: number;
}

export const DEFAULT_CALL_ADMISSION_LIMITS: CallAdmissionLimits = {
  maxCalls: DEFAULT_MAX_CALLS,
  maxCallsPerSource: DEFAULT_MAX_CALLS_PER_SOURCE,
  maxPendingInvitesPerSource: DEFAULT_MAX_PENDING_INVITES_PER_SOURCE,
};

/** One call as admission counts it. */
export interface AdmittedCall {
  readonly sourceAddress: string;
  readonly state: CallState;
}

const PENDING: ReadonlySet<CallState> = new Set(['incoming', 'ringing', 'answered']);

/**
 * The refusal for a new INVITE from `sourceAddress` given the calls alive now, or undefined
 * to admit it: 503 + Retry-After when the gateway is full, 486 + Retry-After when this
 * source holds its share (RFC 3261 §21.4.24, §21.5.4, §20.33).
 */
export function refuseInvite(limits: CallAdmissionLimits, sourceAddress: string, calls: Iterable<AdmittedCall>): SipError | undefined {
  let total = 0;
  let fromSource = 0;
  let pendingFromSource = 0;
  for (const call of calls) {
    if (call.state === 'terminated') continue;
    total++;
    if (call.sourceAddress !== sourceAddress) continue;
    fromSource++;
    if (PENDING.has(call.state)) pendingFromSource++;
  }
  if (fromSource >= limits.maxCallsPerSource) return busy('Too Many Calls From Your Address');
  if (pendingFromSource >= limits.maxPendingInvitesPerSource) return busy('Too Many Unanswered Calls From Your Address');
  if (total >= limits.maxCalls) return new SipError(503, 'Service Unavailable', [['Retry-After', String(CAPACITY_RETRY_AFTER_S)]]);
  return undefined;
}

function busy(reason: string): SipError {
  return new SipError(486, reason, [['Retry-After', String(SOURCE_RETRY_AFTER_S)]]);
}
