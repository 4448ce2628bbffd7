import { describe, expect, it } from 'vitest';
import * as JsSIP from 'jssip';
import { callEnd, describeCallEnd } from '../../src/controllers/call-end-reason.ts';
import { announcedAddresses } from '../../src/controllers/sip-controller.ts';
import { CallStateMachine, IllegalCallTransition } from '../../src/controllers/call-state.ts';

const causes = JsSIP.C.causes;
const response = (status: number, phrase: string) => ({ status_code: status, reason_phrase: phrase, getHeader: () => undefined });

describe('why a call ended, in plain words', () => {
  it('a hang-up from either side is no error', () => {
    expect(describeCallEnd(causes.BYE, undefined)).toMatchObject({ kind: 'hung-up', error: false });
    expect(describeCallEnd(causes.CANCELED, undefined)).toMatchObject({ kind: 'hung-up', error: false });
  });

  it('tells a wrong password, "not on the list", disabled, busy and unavailable apart by the gateway’s answer', () => {
    const kind = (cause: string, status: number, phrase: string) => describeCallEnd(cause, response(status, phrase)).kind;
    expect(kind(causes.REJECTED, 403, 'Wrong Credentials')).toBe('wrong-credentials');
    expect(kind(causes.REJECTED, 403, 'From Is Not The Account')).toBe('wrong-credentials');
    expect(kind(causes.AUTHENTICATION_ERROR, 407, 'Proxy Authentication Required')).toBe('wrong-credentials');
    expect(kind(causes.REJECTED, 403, 'Caller Not Accepted')).toBe('not-accepted');
    expect(kind(causes.REJECTED, 403, 'Camera Not Allowed For This Account')).toBe('camera-not-allowed');
    expect(kind(causes.UNAVAILABLE, 480, 'Incoming Calls Disabled')).toBe('disabled');
    expect(kind(causes.NOT_FOUND, 404, 'Not Found')).toBe('no-such-number');
    expect(kind(causes.BUSY, 486, 'Busy Here')).toBe('busy');
    expect(kind(causes.SIP_FAILURE_CODE, 503, 'Service Unavailable')).toBe('unavailable');
    const messages = new Set(
      ['Wrong Credentials', 'Caller Not Accepted'].map((phrase) => describeCallEnd(causes.REJECTED, response(403, phrase)).message),
    );
    expect(messages.size).toBe(2);
  });

  it('"not on the list" names the identity to add; an unknown answer names its code', () => {
    const notAccepted = describeCallEnd(causes.REJECTED, response(403, 'Caller Not Accepted'), { identity: 'sip:admin@cam.local' });
    expect(notAccepted.message).toContain('sip:admin@cam.local');
    expect(notAccepted.message).toContain('accepted');
    expect(describeCallEnd(causes.INCOMPATIBLE_SDP, response(488, 'Not Acceptable Here'))).toMatchObject({
      kind: 'failed',
      message: 'The call failed: the camera answered 488 Not Acceptable Here.',
    });
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

  it('a lost connection says so', () => {
    expect(describeCallEnd(causes.CONNECTION_ERROR, undefined).kind).toBe('connection-lost');
  });

  it('a missing audio path names the addresses the camera announced', () => {
    expect(callEnd('no-audio-path', { announced: ['127.9.9.9'] }).message).toMatch(/127\.9\.9\.9.*--announced-ip/);
  });
});

describe('the camera’s announced audio addresses', () => {
  it('are read from the ICE candidates of its answer, else from the c= line', () => {
    const sdp = ['v=0', 'c=IN IP4 127.9.9.9', 'm=audio 40000 UDP/TLS/RTP/SAVPF 111',
      'a=candidate:udpcandidate 1 udp 1076558079 127.9.9.9 40001 typ host',
      'a=candidate:tcpcandidate 1 tcp 1076302079 127.9.9.9 40002 typ host tcptype passive'].join('\r\n');
    expect(announcedAddresses(sdp)).toEqual(['127.9.9.9']);
    expect(announcedAddresses('v=0\r\nc=IN IP4 192.0.2.7\r\n')).toEqual(['192.0.2.7']);
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
