import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createResponse } from '../../../../src/sip/message/index.ts';
import { InviteServerTransaction } from '../../../../src/sip/transaction/invite-server-transaction.ts';
import { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import { flush, RecordingTransport, request } from './fixtures.ts';

describe('RFC 3261 17.2.1 INVITE server transaction', () => {
  function setup(reliable = false) {
    const clock = new FakeClock();
    const transport = new RecordingTransport(reliable);
    const invite = request('INVITE');
    const transaction = new InviteServerTransaction('k', invite, transport, clock);
    const user = { onTimeout: vi.fn(), onTransportError: vi.fn() };
    transaction.user = user;
    const respond = (status: number) => transaction.respond(createResponse(invite, status, { toTag: 'uas' }));
    return { clock, transport, transaction, user, respond };
  }

  it('a retransmitted INVITE in Proceeding is answered with "the most recent provisional response"', () => {
    const { transport, transaction, respond } = setup();
    transaction.receiveInvite(); // nothing sent yet: nothing to repeat
    respond(180);
    transaction.receiveInvite();
    expect(transport.lines).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 180 Ringing']);
    expect(transaction.state).toBe('proceeding');
  });

  it('Timer G: a 300-699 response is retransmitted at T1, doubling up to T2; Timer H (64*T1) ends it and tells the TU', () => {
    const { clock, transport, transaction, user, respond } = setup();
    respond(486);
    expect(transaction.state).toBe('completed');
    const times: number[] = [];
    for (let t = 50; t <= 32_000; t += 50) {
      const before = transport.sent.length;
      clock.advance(50);
      if (transport.sent.length > before) times.push(t);
    }
    expect(times).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(transaction.state).toBe('terminated');
    expect(user.onTimeout).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an ACK in Completed "MUST" move it to Confirmed, stop G and H; Confirmed absorbs ACKs until Timer I (T4)', () => {
    const { clock, transport, transaction, user, respond } = setup();
    respond(603);
    transaction.receiveAck();
    expect(transaction.state).toBe('confirmed');
    transaction.receiveAck();
    transaction.receiveInvite();
    clock.advance(4999);
    expect(transport.sent).toHaveLength(1);
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
    expect(user.onTimeout).not.toHaveBeenCalled();
  });

  it('a retransmitted INVITE in Completed gets the final response again', () => {
    const { transport, transaction, respond } = setup(true);
    respond(404);
    transaction.receiveInvite();
    expect(transport.lines).toEqual(['SIP/2.0 404 Not Found', 'SIP/2.0 404 Not Found']);
  });

  it('reliable transports: no Timer G, and Timer I is zero', () => {
    const { clock, transport, transaction, respond } = setup(true);
    respond(486);
    clock.advance(10_000);
    expect(transport.sent).toHaveLength(1);
    transaction.receiveAck();
    expect(transaction.state).toBe('terminated');
  });

  it('RFC 6026: a 2xx moves it to Accepted, which absorbs INVITE retransmissions, passes the TU\'s 2xx retransmissions, and ends on Timer L', () => {
    const { clock, transport, transaction, respond } = setup();
    respond(200);
    expect(transaction.state).toBe('accepted');
    transaction.receiveInvite();
    expect(transport.sent).toHaveLength(1);
    respond(200);
    expect(transport.sent).toHaveLength(2);
    expect(() => respond(486)).toThrow(/after a 2xx/);
    clock.advance(32_000);
    expect(transaction.state).toBe('terminated');
    expect(clock.pendingTimers).toBe(0);
  });

  it('17.2.4: a transport error terminates it and informs the TU', async () => {
    const { transport, transaction, user, respond } = setup();
    transport.failing = true;
    respond(486);
    await flush();
    expect(transaction.state).toBe('terminated');
    expect(user.onTransportError).toHaveBeenCalledTimes(1);
  });
});

describe('RFC 3261 17.2.2 non-INVITE server transaction', () => {
  function setup(reliable = false) {
    const clock = new FakeClock();
    const transport = new RecordingTransport(reliable);
    const options = request('OPTIONS');
    const transaction = new NonInviteServerTransaction('k', options, transport, clock);
    const respond = (status: number) => transaction.respond(createResponse(options, status));
    return { clock, transport, transaction, respond };
  }

  it('Trying: "any retransmissions of the request received while in the Trying state MUST be discarded"', () => {
    const { transport, transaction } = setup();
    transaction.receiveRequest();
    expect(transport.sent).toHaveLength(0);
    expect(transaction.state).toBe('trying');
  });

  it('Proceeding and Completed answer retransmissions with the last response; Timer J (64*T1) ends it', () => {
    const { clock, transport, transaction, respond } = setup();
    respond(100);
    transaction.receiveRequest();
    respond(200);
    transaction.receiveRequest();
    expect(transport.lines).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 100 Trying', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(() => respond(500)).toThrow(/state completed/);
    clock.advance(31_999);
    expect(transaction.state).toBe('completed');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
  });

  it('reliable transports: Timer J is zero', () => {
    const { transaction, respond } = setup(true);
    respond(200);
    expect(transaction.state).toBe('terminated');
  });
});
