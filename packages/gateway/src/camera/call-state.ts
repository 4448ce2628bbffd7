import type { CallPhase, LedState } from '@camgate/protocol';
import { InvalidStateError } from '../core/errors.ts';

/**
 * The states of one call's IVR. `executing` is the sub-state of `connected` while a
 * keypad command runs (its own LED signal).
 *
 *   ringing -> welcome -> pin -> connected <-> executing
 *       \________\________\________\______________\____-> ended
 *   (welcome and pin are skipped when no message / no PIN is set)
 */
export type CallState = 'ringing' | 'welcome' | 'pin' | 'connected' | 'executing' | 'ended';

const NEXT: Record<CallState, readonly CallState[]> = {
  ringing: ['welcome', 'pin', 'connected', 'ended'],
  welcome: ['pin', 'connected', 'ended'],
  pin: ['connected', 'ended'],
  connected: ['executing', 'ended'],
  executing: ['connected', 'ended'],
  ended: [],
};

/** Throws InvalidStateError for a move the IVR must never make. */
export function assertTransition(from: CallState, to: CallState): void {
  if (!NEXT[from].includes(to)) throw new InvalidStateError(`call state ${from} -> ${to} is not allowed`);
}

export function phaseOf(state: CallState): CallPhase {
  return state === 'executing' ? 'connected' : state;
}

/** The LED signal of a call in this state (help page, "LED Signals When in VoIP Mode"). */
export function ledOf(state: CallState): Exclude<LedState, 'error'> {
  switch (state) {
    case 'ringing':
      return 'ringing';
    case 'welcome':
    case 'pin':
      return 'pin';
    case 'connected':
      return 'connected';
    case 'executing':
      return 'executing';
    case 'ended':
      return 'idle';
  }
}
