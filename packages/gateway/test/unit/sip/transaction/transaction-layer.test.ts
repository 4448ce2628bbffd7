import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import { TypedEmitter } from '../../../../src/core/typed-emitter.ts';
import { createResponse, parseMessage, Via, type SipMessage, type SipRequest, type SipResponse } from '../../../../src/sip/message/index.ts';
import { SipError } from '../../../../src/sip/sip-error.ts';
import {
  TransactionLayer,
  type ServerTransaction,
  type TransactionLayerDelegate,
  type TransactionTransportLayer,
} from '../../../../src/sip/transaction/transaction-layer.ts';
import type { BaseTimers } from '../../../../src/sip/transaction/timers.ts';
import type { TransportLayerEvents } from '../../../../src/sip/transport/transport-layer.ts';
import type { Destination, MessageSource } from '../../../../src/sip/transport/transport.ts';
import { request, response } from './fixtures.ts';

const SOURCE: MessageSource = { protocol: 'udp', remoteAddress: '192.0.2.1', remotePort: 5060, localAddress: '192.0.2.10', localPort: 5060 };
const PEER: Destination = { protocol: 'udp', host: '192.0.2.1', port: 5060 };

/** The transport layer as the transaction layer sees it, recording what is sent. */
class FakeTransportLayer extends TypedEmitter<TransportLayerEvents> implements TransactionTransportLayer {
  readonly sent: SipMessage[] = [];
  deliver(message: SipRequest | SipResponse, source: MessageSource = SOURCE): void {
    if (message.isRequest()) this.safeEmit('request', message, source);
    else this.safeEmit('response', message, source);
  }
  sendRequest(request: SipRequest): Promise<void> {
    this.sent.push(request);
    return Promise.resolve();
  }
  sendResponse(response: SipResponse): Promise<void> {
    this.sent.push(response);
    return Promise.resolve();
  }
  isReliable(): boolean {
    return false;
  }
  readonly trusted = new Set<string>();
  isTrustedSource(address: string): boolean {
    return this.trusted.has(address);
  }
  localVia(_destination: Destination, branch: string): Via {
    return new Via('UDP', '192.0.2.10', 5060, new Map<string, string | null>([['branch', branch], ['rport', null]]));
  }
  get statuses(): number[] {
    return this.sent.filter((m): m is SipResponse => !m.isRequest()).map((r) => r.status);
  }
}

function setup(
  delegateOverrides: Partial<TransactionLayerDelegate> = {},
  options: { maxTransactions?: number; maxTransactionsPerSource?: number; timers?: Partial<BaseTimers> } = {},
) {
  const clock = new FakeClock();
  const transport = new FakeTransportLayer();
  const requests: [SipRequest, ServerTransaction][] = [];
  const delegate: TransactionLayerDelegate = {
    onRequest: (req, tx) => requests.push([req, tx]),
    onAck: vi.fn(),
    onCancel: vi.fn(),
    onStrayResponse: vi.fn(),
    ...delegateOverrides,
  };
  const layer = new TransactionLayer({ transport, delegate, clock, ...options });
  return { clock, transport, requests, delegate, layer };
}

describe('RFC 3261 17.2.3 matching requests to server transactions', () => {
  it('a new INVITE gets 100 Trying and reaches the TU once; its retransmission is absorbed', () => {
    const { transport, requests } = setup();
    transport.deliver(request('INVITE'));
    transport.deliver(request('INVITE'));
    expect(requests).toHaveLength(1);
    expect(transport.statuses).toEqual([100, 100]);
  });

  it('the ACK for a non-2xx matches the INVITE transaction; the ACK for a 2xx (new branch) goes to the TU', () => {
    const { transport, requests, delegate } = setup();
    transport.deliver(request('INVITE'));
    const [invite, tx] = requests[0]!;
    tx.respond(createResponse(invite, 486, { toTag: 'uas' }));
    transport.deliver(request('ACK', 'z9hG4bKtest1'));
    expect(tx.state).toBe('confirmed');
    expect(delegate.onAck).not.toHaveBeenCalled();
    transport.deliver(request('ACK', 'z9hG4bKother'));
    expect(delegate.onAck).toHaveBeenCalledTimes(1);
  });

  it('same branch, different method (CANCEL) is a transaction of its own: 200 to the CANCEL, TU told to answer 487', () => {
    const { transport, requests, delegate } = setup();
    transport.deliver(request('INVITE'));
    transport.deliver(request('CANCEL'));
    expect(requests).toHaveLength(1);
    expect(transport.statuses).toEqual([100, 200]);
    expect(delegate.onCancel).toHaveBeenCalledWith(requests[0]![1], expect.objectContaining({ method: 'CANCEL' }));
  });

  it('9.2: a CANCEL matching no transaction gets 481', () => {
    const { transport } = setup();
    transport.deliver(request('CANCEL', 'z9hG4bKnothing'));
    expect(transport.statuses).toEqual([481]);
  });

  it('RFC 2543 requests without a magic-cookie branch still match their retransmissions', () => {
    const { transport, requests } = setup();
    transport.deliver(request('OPTIONS', 'oldstyle1'));
    transport.deliver(request('OPTIONS', 'oldstyle1'));
    expect(requests).toHaveLength(1);
  });

  /** An RFC 2543 request: no branch at all, To tag as given. */
  function rfc2543(method: string, toTag?: string): SipRequest {
    const text = [
      `${method} sip:camera@192.0.2.10 SIP/2.0`,
      'Via: SIP/2.0/UDP 192.0.2.1:5060',
      'From: <sip:alice@example.com>;tag=from1',
      `To: <sip:camera@192.0.2.10>${toTag ? `;tag=${toTag}` : ''}`,
      'Call-ID: call-2543@192.0.2.1',
      `CSeq: 7 ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const result = parseMessage(Buffer.from(text));
    if (!result.ok || !result.message.isRequest()) throw new Error('bad fixture');
    return result.message;
  }

  it('17.2.3 without magic cookie: "Request-URI, To tag, From tag, Call-ID, CSeq, and top Via" — a different To tag is a new request', () => {
    const { transport, requests } = setup();
    transport.deliver(rfc2543('OPTIONS'));
    transport.deliver(rfc2543('OPTIONS'));
    transport.deliver(rfc2543('OPTIONS', 'other'));
    expect(requests).toHaveLength(2);
  });

  it('17.2.3 without magic cookie: an ACK matches the INVITE only with "the To tag of the response sent by the server transaction"', () => {
    const { transport, requests, delegate } = setup();
    transport.deliver(rfc2543('INVITE'));
    const [invite, tx] = requests[0]!;
    tx.respond(createResponse(invite, 486, { toTag: 'ours' }));
    transport.deliver(rfc2543('ACK', 'not-ours'));
    expect(tx.state).toBe('completed');
    expect(delegate.onAck).toHaveBeenCalledTimes(1);
    transport.deliver(rfc2543('ACK', 'ours'));
    expect(tx.state).toBe('confirmed');
    expect(delegate.onAck).toHaveBeenCalledTimes(1);
  });
});

describe('bounded transaction table: a few sources cannot take it all', () => {
  const from = (remoteAddress: string): MessageSource => ({ ...SOURCE, remoteAddress });
  const options = (branch: string) => {
    const req = request('OPTIONS', branch);
    req.headers.set('Call-ID', `${branch}@192.0.2.1`);
    return req;
  };

  it('a source over its quota of live transactions gets 503 with Retry-After; another source is still served', () => {
    const { transport, requests, clock } = setup({}, { maxTransactionsPerSource: 3 });
    for (let i = 0; i < 5; i++) transport.deliver(options(`z9hG4bKflood${i}`), from('198.51.100.7'));
    expect(requests).toHaveLength(3);
    expect(transport.statuses).toEqual([503, 503]);
    expect((transport.sent[0] as SipResponse).header('Retry-After')).toBeDefined();
    // IPv4 seen through a dual-stack socket is the same source.
    transport.deliver(options('z9hG4bKflood-mapped'), from('::ffff:198.51.100.7'));
    expect(requests).toHaveLength(3);
    transport.deliver(options('z9hG4bKother'), from('203.0.113.9'));
    expect(requests).toHaveLength(4);
    // A registrar we register with is trusted: a provider's calls all come from its proxy.
    transport.trusted.add('198.51.100.7');
    transport.deliver(options('z9hG4bKtrusted'), from('198.51.100.7'));
    expect(requests).toHaveLength(5);
    transport.trusted.clear();
    // Answered and past Timer J, the flood's transactions are gone and its quota is back.
    for (const [req, tx] of requests) tx.respond(createResponse(req, 200));
    clock.advance(32_000);
    transport.deliver(options('z9hG4bKlater'), from('198.51.100.7'));
    expect(requests).toHaveLength(6);
  });
});

describe('UAS checks answered by the transaction layer', () => {
  it('8.2.2.3: Require with an unknown option tag gets 420 with Unsupported; the TU never sees it', () => {
    const { transport, requests } = setup();
    transport.deliver(request('OPTIONS', 'z9hG4bKreq', ['Require: 100rel, foo']));
    expect(requests).toHaveLength(0);
    const answer = transport.sent[0] as SipResponse;
    expect(answer.status).toBe(420);
    expect(answer.header('Unsupported')).toBe('100rel, foo');
  });

  it('8.2.2.2: the same request arriving by another path (new branch, same From tag/Call-ID/CSeq) gets 482', () => {
    const { transport, requests } = setup();
    transport.deliver(request('INVITE', 'z9hG4bKpath1'));
    transport.deliver(request('INVITE', 'z9hG4bKpath2'));
    expect(requests).toHaveLength(1);
    expect(transport.statuses).toEqual([100, 100, 482]);
  });

  it('a TU that throws SipError answers with it; any other error becomes 500', () => {
    const { transport } = setup({
      onRequest: (req) => {
        throw req.method === 'INVITE' ? new SipError(488, 'Not Acceptable Here') : new Error('bug');
      },
    });
    transport.deliver(request('INVITE'));
    transport.deliver(request('MESSAGE', 'z9hG4bKmsg'));
    expect(transport.statuses).toEqual([100, 488, 500]);
  });

  it('beyond maxTransactions new requests get 503 with Retry-After', () => {
    const { transport } = setup({}, { maxTransactions: 1 });
    transport.deliver(request('OPTIONS', 'z9hG4bKone'));
    transport.deliver(request('OPTIONS', 'z9hG4bKtwo'));
    const busy = transport.sent.at(-1) as SipResponse;
    expect(busy.status).toBe(503);
    expect(busy.header('Retry-After')).toBe('5');
  });
});

describe('RFC 3261 17.1.3 client transactions through the layer', () => {
  it('sendRequest adds a top Via with a fresh z9hG4bK branch; responses match on branch + CSeq method', () => {
    const { transport, layer } = setup();
    const responses: number[] = [];
    const options = request('OPTIONS');
    options.headers.remove('Via');
    layer.sendRequest(options, PEER, { onResponse: (r) => responses.push(r.status) });
    const branch = options.via.branch!;
    expect(branch).toMatch(/^z9hG4bK/);
    expect(options.via.rport).toBe(true);
    transport.deliver(response(options, 200));
    expect(responses).toEqual([200]);
  });

  it('8.1.3.3: a response with more than one Via is discarded; unmatched responses go to the TU as strays', () => {
    const { transport, layer, delegate } = setup();
    const responses: number[] = [];
    const options = request('OPTIONS');
    options.headers.remove('Via');
    layer.sendRequest(options, PEER, { onResponse: (r) => responses.push(r.status) });
    const twoVias = response(options, 200);
    twoVias.headers.append('Via', 'SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23');
    transport.deliver(twoVias);
    expect(responses).toEqual([]);
    transport.deliver(response(request('OPTIONS', 'z9hG4bKunknown'), 200));
    expect(delegate.onStrayResponse).toHaveBeenCalledTimes(1);
  });

  it('9.1: CANCEL reuses the INVITE\'s branch but is matched separately from it', () => {
    const { transport, layer } = setup();
    const inviteResponses: number[] = [];
    const cancelResponses: number[] = [];
    const invite = request('INVITE');
    invite.headers.remove('Via');
    const tx = layer.sendRequest(invite, PEER, { onResponse: (r) => inviteResponses.push(r.status) });
    if (!('cancellable' in tx)) throw new Error('expected an INVITE transaction');
    expect(() => layer.sendCancel(tx, { onResponse: () => undefined })).toThrow(/state calling/);
    transport.deliver(response(invite, 180));
    const cancelTx = layer.sendCancel(tx, { onResponse: (r) => cancelResponses.push(r.status) });
    expect(cancelTx.request.via.branch).toBe(invite.via.branch);
    expect(cancelTx.request.cseq).toEqual({ seq: invite.cseq.seq, method: 'CANCEL' });
    transport.deliver(response(cancelTx.request, 200));
    transport.deliver(response(invite, 487));
    expect(cancelResponses).toEqual([200]);
    expect(inviteResponses).toEqual([180, 487]);
  });

  it('close() ends every transaction and clears every timer', () => {
    const { transport, layer, clock } = setup();
    transport.deliver(request('INVITE'));
    const options = request('OPTIONS', 'z9hG4bKout');
    options.headers.remove('Via');
    layer.sendRequest(options, PEER, { onResponse: () => undefined });
    expect(clock.pendingTimers).toBeGreaterThan(0);
    layer.close();
    expect(layer.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('terminated transactions are forgotten (no leak)', () => {
    const { transport, layer, clock, requests } = setup();
    transport.deliver(request('OPTIONS'));
    requests[0]![1].respond(createResponse(requests[0]![0], 200));
    expect(layer.size).toBe(1);
    clock.advance(32_000);
    expect(layer.size).toBe(0);
  });
});

describe('RFC 3261 Table 4 timers, configurable T1/T2/T4', () => {
  /** Fake-clock time at which the answered INVITE's server transaction is gone. */
  function acceptedLifetime(timers?: Partial<BaseTimers>): number {
    const { clock, transport, requests, layer } = setup({}, timers && { timers });
    transport.deliver(request('INVITE'));
    const [invite, tx] = requests[0]!;
    tx.respond(createResponse(invite, 200, { toTag: 'uas' }));
    const start = clock.now();
    while (layer.size > 0) clock.advance(10);
    return clock.now() - start;
  }

  it('by default an accepted INVITE transaction lives 64*T1 = 32 s (RFC 6026 Timer L)', () => {
    expect(setup().layer.timers).toEqual({ T1: 500, T2: 4000, T4: 5000 });
    expect(acceptedLifetime()).toBe(32_000);
  });

  it('a shorter T1 shortens every 64*T1 timer: Timer L with T1 = 50 ms is 3.2 s', () => {
    expect(acceptedLifetime({ T1: 50 })).toBe(3200);
  });

  it('a shorter T1 and T2 pace the UDP retransmissions of a client request (Timer E) and its timeout (Timer F)', () => {
    const { clock, transport, layer } = setup({}, { timers: { T1: 10, T2: 40 } });
    const onTimeout = vi.fn();
    layer.sendRequest(request('OPTIONS'), PEER, { onResponse: vi.fn(), onTimeout });
    const times: number[] = [];
    for (let t = 10; t <= 640; t += 10) {
      const before = transport.sent.length;
      clock.advance(10);
      if (transport.sent.length > before) times.push(t);
    }
    // E: 10, then doubling to the 40 ms cap; F: 64*T1 = 640 ms.
    expect(times).toEqual([10, 30, 70, 110, 150, 190, 230, 270, 310, 350, 390, 430, 470, 510, 550, 590, 630]);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(layer.size).toBe(0);
  });

  it('refuses timers that cannot work', () => {
    expect(() => setup({}, { timers: { T1: 0 } })).toThrow(/T1/);
    expect(() => setup({}, { timers: { T1: 500, T2: 100 } })).toThrow(/T2/);
    expect(() => setup({}, { timers: { T4: Number.NaN } })).toThrow(/T4/);
  });
});
