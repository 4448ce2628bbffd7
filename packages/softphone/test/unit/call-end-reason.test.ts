import { describe, expect, it } from 'vitest';
import * as JsSIP from 'jssip';
import { describeCallEnd } from '../../src/controllers/call-end-reason.ts';
import { CallStateMachine, IllegalCallTransition } from '../../src/controllers/call-state.ts';

const causes = JsSIP.C.causes;
const response = (status: number, phrase: string) => ({ status_code: status, reason_phrase: phrase, getHeader: () => undefined });

describe('why a call ended, in plain words', () => {
  it('a hang-up from either side is no error', () => {
    expect(describeCallEnd(causes.BYE, undefined)).toMatchObject({ kind: 'hung-up', error: false });
    expect(describeCallEnd(causes.CANCELED, undefined)).toMatchObject({ kind: 'hung-up', error: false });
  });

  it('403/603, 486, 480 mean the camera did not accept the call', () => {
    for (const cause of [causes.REJECTED, causes.BUSY, causes.UNAVAILABLE]) {
      expect(describeCallEnd(cause, response(403, 'Forbidden')).kind).toBe('not-accepted');
    }
  });

  it('a BYE that gives a reason (RFC 3326) says it', () => {
    const bye = { getHeader: (name: string) => (name === 'Reason' ? 'SIP;cause=200;text="maximum call time reached"' : undefined) };
    expect(describeCallEnd(causes.BYE, bye)).toEqual({
      kind: 'hung-up',
      message: 'The camera ended the call: maximum call time reached.',
      error: false,
    });
  });

  it('a lock-out named in the reason phrase or the Reason header (RFC 3326) says so', () => {
    expect(describeCallEnd(causes.REJECTED, response(403, 'Locked Out')).kind).toBe('locked-out');
    const bye = { getHeader: (name: string) => (name === 'Reason' ? 'SIP;cause=403;text="locked out"' : undefined) };
    expect(describeCallEnd(causes.BYE, bye).kind).toBe('locked-out');
  });

  it('a refused microphone and a lost connection are told apart', () => {
    expect(describeCallEnd(causes.USER_DENIED_MEDIA_ACCESS, undefined).kind).toBe('microphone-refused');
    expect(describeCallEnd(causes.CONNECTION_ERROR, undefined).kind).toBe('connection-lost');
    expect(describeCallEnd(causes.RTP_TIMEOUT, undefined).kind).toBe('connection-lost');
  });
});

describe('the softphone call state machine', () => {
  it('goes idle → connecting → ringing → in-call → ended, and again', () => {
    const seen: string[] = [];
    const machine = new CallStateMachine((state) => seen.push(state));
    for (const state of ['connecting', 'ringing', 'in-call', 'ended', 'connecting'] as const) machine.transition(state);
    expect(seen).toEqual(['connecting', 'ringing', 'in-call', 'ended', 'connecting']);
  });

  it('refuses a move the call cannot make', () => {
    const machine = new CallStateMachine(() => undefined);
    expect(() => machine.transition('in-call')).toThrow(IllegalCallTransition);
    machine.transition('connecting');
    machine.transition('ended');
    expect(() => machine.transition('ringing')).toThrow(IllegalCallTransition);
  });
});
