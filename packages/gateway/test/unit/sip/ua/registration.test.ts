import { describe, expect, it } from 'vitest';

import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';
import { SipUri, createResponse, type SipRequest } from '../../../../src/sip/message/index.ts';
import { DigestAuthority } from '../../../../src/sip/ua/digest.ts';
import { Registration, type RegistrationState } from '../../../../src/sip/ua/registration.ts';

/**
 * A fake registrar (unit test only; tests/integration/sip-kamailio.test.ts runs the real one):
 * `answer` decides each response, requests are recorded.
 */
function setup(
  answer: (request: SipRequest, n: number) => { status: number; headers?: [string, string][] } | 'timeout' | 'hang',
  options: { hang?: () => Promise<never> } = {},
) {
  const clock = new FakeClock();
  const requests: SipRequest[] = [];
  const registration = new Registration(
    { registrar: { host: '127.0.0.1', port: 5070, transport: 'udp' }, aor: 'sip:4930123@provider.example', password: 'pw', expires: 100 },
    {
      clock,
      logger: createLogger('silent'),
      userAgent: 'camgate-test',
      contactUri: (user, transport) => new SipUri({ user, host: '192.0.2.10', port: 5060, params: new Map([['transport', transport]]) }),
      async send(request) {
        requests.push(request);
        const a = answer(request, requests.length);
        if (a === 'timeout') throw new Error('timeout');
        if (a === 'hang') return options.hang!();
        return createResponse(request, a.status, { headers: a.headers ?? [] });
      },
      timings: { retryBaseMs: 1000, retryMaxMs: 8000 },
    },
  );
  const states: [RegistrationState, string][] = [];
  registration.on('state', (state, detail) => states.push([state, detail]));
  const settle = () => new Promise((r) => setImmediate(r));
  return { clock, requests, registration, states, settle };
}

describe('REGISTER client (RFC 3261 §10.2)', () => {
  it('answers the 401 digest challenge and reports registered with the granted lifetime', async () => {
    const authority = new DigestAuthority({ realm: 'provider.example', clock: new FakeClock() });
    const { requests, registration, states, settle } = setup((req) => {
      const auth = req.header('Authorization');
      if (!auth) return { status: 401, headers: authority.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]) };
      const verdict = authority.verify(auth, { method: 'REGISTER' }, (u) => (u === '4930123' ? { password: 'pw' } : undefined));
      return verdict.ok ? { status: 200, headers: [['Contact', `<${registration.contact}>;expires=60`]] } : { status: 403 };
    });
    registration.start();
    await settle();
    expect(states).toEqual([
      ['registering', ''],
      ['registered', 'expires 60s'],
    ]);
    expect(requests[0]!.uri.toString()).toBe('sip:provider.example');
    expect(requests[0]!.header('Expires')).toBe('100');
    expect(requests[1]!.cseq.seq).toBe(requests[0]!.cseq.seq + 1);
    expect(requests[1]!.callId).toBe(requests[0]!.callId);
    expect(requests[1]!.header('Authorization')).toContain('algorithm=SHA-256');
  });

  it('refreshes at 85% of the granted lifetime, reusing the nonce with a higher nc', async () => {
    const { clock, requests, registration, settle } = setup((req) =>
      req.header('Authorization')
        ? { status: 200, headers: [['Expires', '10']] }
        : { status: 401, headers: [['WWW-Authenticate', 'Digest realm="p", nonce="n1", qop="auth"']] },
    );
    registration.start();
    await settle();
    expect(requests).toHaveLength(2);
    clock.advance(8_400);
    await settle();
    expect(requests).toHaveLength(2);
    clock.advance(100);
    await settle();
    expect(requests).toHaveLength(3);
    expect(requests[2]!.header('Authorization')).toContain('nc=00000002');
    expect(registration.state).toBe('registered');
  });

  it('fails on a second challenge after answering (wrong password), then retries with doubling backoff', async () => {
    const { clock, requests, registration, states, settle } = setup(() => ({
      status: 401,
      headers: [['WWW-Authenticate', 'Digest realm="p", nonce="n1", qop="auth"']],
    }));
    registration.start();
    await settle();
    expect(states.at(-1)).toEqual(['failed', '401 authentication failed']);
    expect(requests).toHaveLength(2);
    clock.advance(1000);
    await settle();
    expect(requests).toHaveLength(4);
    clock.advance(1999);
    await settle();
    expect(requests).toHaveLength(4);
    clock.advance(1);
    await settle();
    expect(requests).toHaveLength(6);
  });

  it('retries after a stale nonce without failing', async () => {
    const { registration, settle } = setup((req, n) => {
      if (!req.header('Authorization')) return { status: 401, headers: [['WWW-Authenticate', 'Digest realm="p", nonce="n1", qop="auth"']] };
      if (n === 2) return { status: 401, headers: [['WWW-Authenticate', 'Digest realm="p", nonce="n2", qop="auth", stale=true']] };
      return { status: 200 };
    });
    registration.start();
    await settle();
    expect(registration.state).toBe('registered');
  });

  it('raises Expires to Min-Expires after 423 Interval Too Brief', async () => {
    const { requests, registration, settle } = setup((req) =>
      Number(req.header('Expires')) < 300 ? { status: 423, headers: [['Min-Expires', '300']] } : { status: 200 },
    );
    registration.start();
    await settle();
    expect(registration.state).toBe('registered');
    expect(requests.map((r) => r.header('Expires'))).toEqual(['100', '300']);
  });

  it('keeps its timers sane whatever the registrar says (Node fires a timer beyond 2^31 ms at once)', async () => {
    // A lifetime beyond the requested 100 s counts as 100 s: the refresh comes at 85 s, not in 3.6e9 s.
    const granted = setup((_, n) => (n === 1 ? { status: 200, headers: [['Expires', '4294967295']] } : { status: 200 }));
    granted.registration.start();
    await granted.settle();
    expect(granted.states.at(-1)).toEqual(['registered', 'expires 100s']);
    granted.clock.advance(85_000);
    await granted.settle();
    expect(granted.requests).toHaveLength(2);

    // A Retry-After of 30 years waits a day.
    const busy = setup((_, n) => (n === 1 ? { status: 503, headers: [['Retry-After', '999999999']] } : { status: 200 }));
    busy.registration.start();
    await busy.settle();
    busy.clock.advance(86_400_000 - 1);
    await busy.settle();
    expect(busy.requests).toHaveLength(1);
    busy.clock.advance(1);
    await busy.settle();
    expect(busy.requests).toHaveLength(2);
    expect(busy.registration.state).toBe('registered');

    // A Min-Expires beyond a day is refused rather than followed.
    const greedy = setup(() => ({ status: 423, headers: [['Min-Expires', '4000000000']] }));
    greedy.registration.start();
    await greedy.settle();
    expect(greedy.states.at(-1)).toEqual(['failed', '423 without a usable Min-Expires']);
  });

  it('honours Retry-After of a 503 and reports timeouts', async () => {
    const { clock, requests, registration, states, settle } = setup((_, n) =>
      n === 1 ? { status: 503, headers: [['Retry-After', '30']] } : 'timeout',
    );
    registration.start();
    await settle();
    expect(states.at(-1)).toEqual(['failed', '503 Service Unavailable']);
    clock.advance(29_999);
    await settle();
    expect(requests).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(states.at(-1)).toEqual(['failed', 'timeout']);
  });

  it('unregisters with Expires: 0 on close and stops its timers', async () => {
    const { clock, requests, registration, states, settle } = setup(() => ({ status: 200 }));
    registration.start();
    await settle();
    await registration.close();
    expect(requests.at(-1)!.header('Expires')).toBe('0');
    expect(states.at(-1)).toEqual(['disabled', 'closed']);
    expect(clock.pendingTimers).toBe(0);
    await registration.close();
    expect(requests).toHaveLength(2);
  });

  it('gives up waiting for an unanswered unregister after 4 s, so a shutdown does not hang on the provider', async () => {
    let unanswered: () => void = () => undefined;
    const { clock, registration, states, settle } = setup((req) => (req.header('Expires') === '0' ? 'hang' : { status: 200 }), {
      hang: () => new Promise<never>((_, reject) => (unanswered = () => reject(new Error('timeout')))),
    });
    registration.start();
    await settle();
    let closed = false;
    const closing = registration.close().then(() => (closed = true));
    await settle();
    clock.advance(3999);
    await settle();
    expect(closed).toBe(false);
    clock.advance(1);
    await closing;
    expect(states.at(-1)).toEqual(['disabled', 'closed']);
    expect(clock.pendingTimers).toBe(0);
    unanswered(); // Timer F would end the transaction later; nothing may happen then
    await settle();
    expect(states.at(-1)).toEqual(['disabled', 'closed']);
  });
});
