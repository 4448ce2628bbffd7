/**
 * Transaction states (RFC 3261 17.1.1, 17.1.2, 17.2.1, 17.2.2; "Accepted" from RFC 6026)
 * and the moves each state machine allows. `Transaction.stateTransition()` refuses any
 * other move.
 */

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';
export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';
export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export type Transitions<S extends string> = { readonly [From in S]: readonly S[] };

/** Figure 5 of RFC 3261 as amended by RFC 6026 Figure 3. */
export const INVITE_CLIENT_TRANSITIONS: Transitions<InviteClientState> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** Figure 6 of RFC 3261. */
export const NON_INVITE_CLIENT_TRANSITIONS: Transitions<NonInviteClientState> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** Figure 7 of RFC 3261 as amended by RFC 6026 Figure 5. */
export const INVITE_SERVER_TRANSITIONS: Transitions<InviteServerState> = {
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** Figure 8 of RFC 3261. */
export const NON_INVITE_SERVER_TRANSITIONS: Transitions<NonInviteServerState> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};
