import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/index.ts';
import { SipError, TransactionTimeoutError } from '../../../../src/sip/sip-error.ts';
import { InviteClientTransaction } from '../../../../src/sip/transaction/invite-client-transaction.ts';
import { NonInviteClientTransaction } from '../../../../src/sip/transaction/non-invite-client-transaction.ts';
import type { InviteClientState } from '../../../../src/sip/transaction/transaction-state.ts';
import { flush, RecordingTransport, request, response } from './fixtures.ts';

function user() {
  const responses: SipResponse[] = [];
  return { responses, onResponse: (r: SipResponse) => responses.push(r), onTimeout: vi.fn(), onTransportError: vi.fn() };
}

/** Times (ms from now) at which the transport saw a further send. */
function sendTimes(clock: FakeClock, transport: RecordingTransport, until: number): number[] {
  const start = clock.now();
  const times: number[] = [];
  let seen = transport.sent.length;
  for (let t = 0; t <= until; t += 50) {
    if (t > 0) clock.advance(50);
    for (; seen < transport.sent.length; seen++) times.push(clock.now() - start);
  }
  return times;
}

describe('RFC 3261 17.1.1 INVITE client transaction', () => {
  function setup(reliable = false) {
    const clock = new FakeClock();
    const transport = new RecordingTransport(reliable);
    const tu = user();
    const invite = request('INVITE');
    const transaction = new InviteClientTransaction('k', invite, transport, clock, tu);
    transaction.start();
    return { clock, transport, tu, invite, transaction };
  }

  it('Timer A: "the client transaction MUST start timer A with a value of T1" and retransmit, doubling, until Timer B', () => {
    const { clock, transport, tu, transaction } = setup();
    expect(sendTimes(clock, transport, 32_000)).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(transaction.state).toBe('terminated');
    expect(tu.onTimeout).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('over a reliable transport there is no Timer A, but Timer B still times out (64*T1)', () => {
    const { clock, transport, tu } = setup(true);
    clock.advance(31_999);
    expect(transport.sent).toHaveLength(1);
    expect(tu.onTimeout).not.toHaveBeenCalled();
    clock.advance(1);
    expect(tu.onTimeout).toHaveBeenCalledTimes(1);
  });

  it('a provisional response "MUST" move it to Proceeding, stop retransmissions, and reach the TU', () => {
    const { clock, transport, tu, invite, transaction } = setup();
    transaction.receiveResponse(response(invite, 180));
    expect(transaction.state).toBe('proceeding');
    expect(tu.responses.map((r) => r.status)).toEqual([180]);
    clock.advance(10_000);
    expect(transport.sent).toHaveLength(1);
  });

  it('17.1.1.2: once Proceeding, Timer B no longer runs: a call may ring past 64*T1 until the TU CANCELs', () => {
    const { clock, tu, invite, transaction } = setup();
    clock.advance(1000);
    transaction.receiveResponse(response(invite, 180));
    clock.advance(120_000);
    expect(transaction.state).toBe('proceeding');
    expect(tu.onTimeout).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
    transaction.receiveResponse(response(invite, 487));
    expect(transaction.state).toBe('completed');
  });

  it('8.1.3.1: Timer B reaches the TU as a 408 (Request Timeout) error', () => {
    const { clock, tu } = setup(true);
    clock.advance(32_000);
    const error = tu.onTimeout.mock.calls[0]?.[0] as unknown;
    expect(error).toBeInstanceOf(TransactionTimeoutError);
    expect(error).toBeInstanceOf(SipError);
    expect((error as SipError).status).toBe(408);
    expect((error as TransactionTimeoutError).timer).toBe('B');
  });

  it('RFC 6026: a 2xx moves it to Accepted; every 2xx retransmission reaches the TU until Timer M', () => {
    const { clock, tu, invite, transaction } = setup();
    transaction.receiveResponse(response(invite, 200));
    expect(transaction.state).toBe('accepted');
    transaction.receiveResponse(response(invite, 200));
    expect(tu.responses.map((r) => r.status)).toEqual([200, 200]);
    clock.advance(32_000);
    expect(transaction.state).toBe('terminated');
    expect(clock.pendingTimers).toBe(0);
  });

  it('a 300-699 response: Completed, ACK built per 17.1.1.3 and re-sent for each retransmission, Timer D = 32 s', () => {
    const { clock, transport, tu, invite, transaction } = setup();
    transaction.receiveResponse(response(invite, 486, 'callee'));
    expect(transaction.state).toBe('completed');
    const ack = transport.sent[1] as SipRequest;
    expect(ack.method).toBe('ACK');
    expect(ack.uri.toString()).toBe(invite.uri.toString());
    expect(ack.headers.getAll('Via')).toEqual([invite.headers.getAll('Via')[0]]);
    expect(ack.to.tag).toBe('callee');
    expect(ack.cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });
    transaction.receiveResponse(response(invite, 486, 'callee'));
    expect(transport.lines.filter((l) => l.startsWith('ACK'))).toHaveLength(2);
    expect(tu.responses).toHaveLength(1);
    clock.advance(31_999);
    expect(transaction.state).toBe('completed');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
  });

  it('Timer D is zero over reliable transports: Completed ends at once', () => {
    const { invite, transaction } = setup(true);
    transaction.receiveResponse(response(invite, 404));
    expect(transaction.state).toBe('terminated');
  });

  it('17.1.4: a transport error terminates the transaction and informs the TU', async () => {
    const clock = new FakeClock();
    const transport = new RecordingTransport();
    transport.failing = true;
    const tu = user();
    const transaction = new InviteClientTransaction('k', request('INVITE'), transport, clock, tu);
    transaction.start();
    await flush();
    expect(transaction.state).toBe('terminated');
    expect(tu.onTransportError).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stateTransition() refuses a move the state machine does not have', () => {
    class Probe extends InviteClientTransaction {
      move(to: InviteClientState): void {
        this.stateTransition(to);
      }
    }
    const probe = new Probe('k', request('INVITE'), new RecordingTransport(), new FakeClock(), user());
    probe.move('completed');
    expect(() => probe.move('accepted')).toThrow(/invalid transition completed -> accepted/);
  });
});

describe('RFC 3261 17.1.2 non-INVITE client transaction', () => {
  function setup(reliable = false) {
    const clock = new FakeClock();
    const transport = new RecordingTransport(reliable);
    const tu = user();
    const options = request('OPTIONS');
    const transaction = new NonInviteClientTransaction('k', options, transport, clock, tu);
    transaction.start();
    return { clock, transport, tu, options, transaction };
  }

  it('Timer E: retransmit at T1, doubling up to T2, until Timer F (64*T1) informs the TU of the timeout', () => {
    const { clock, transport, tu, transaction } = setup();
    expect(sendTimes(clock, transport, 32_000)).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(transaction.state).toBe('terminated');
    expect(tu.onTimeout).toHaveBeenCalledTimes(1);
    // 8.1.3.1: "treat this reception as if it were a 408 (Request Timeout) response".
    expect(tu.onTimeout.mock.calls[0]?.[0]).toMatchObject({ status: 408, timer: 'F' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('"If Timer E fires while in the Proceeding state ... Timer E MUST be reset with a value of T2"', () => {
    const { clock, transport, options, transaction } = setup();
    clock.advance(500); // first retransmission; next would be at +1000 in Trying
    transaction.receiveResponse(response(options, 100));
    expect(sendTimes(clock, transport, 9000)).toEqual([1000, 5000, 9000]);
  });

  it('a final response: Completed, TU informed once, retransmissions absorbed, Timer K = T4', () => {
    const { clock, tu, options, transaction } = setup();
    transaction.receiveResponse(response(options, 200));
    transaction.receiveResponse(response(options, 200));
    expect(tu.responses).toHaveLength(1);
    expect(transaction.state).toBe('completed');
    clock.advance(5000);
    expect(transaction.state).toBe('terminated');
    expect(clock.pendingTimers).toBe(0);
  });

  it('reliable transports: no Timer E, and Timer K is zero', () => {
    const { clock, transport, options, transaction } = setup(true);
    clock.advance(10_000);
    expect(transport.sent).toHaveLength(1);
    transaction.receiveResponse(response(options, 200));
    expect(transaction.state).toBe('terminated');
  });
});
