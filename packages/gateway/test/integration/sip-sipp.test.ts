/**
 * sipp (Debian sip-tester) as the caller: RFC 3261 call flows at volume against the stack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runSipp, SIPP_SCENARIOS } from '../support/sipp.ts';
import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

describe('sipp against the SIP stack', () => {
  let fx: SipFixture;

  beforeEach(async () => {
    // All load from one address: lift the per-source transaction quota (200 live, ~3 calls/s
    // sustained), as the fixture lifts the rate limit.
    fx = await startSipFixture({ stack: { limits: { maxTransactionsPerSource: 100_000 } } });
  });

  afterEach(async () => {
    await fx.close();
  });

  it('answers OPTIONS with 200 and an Allow that lists INVITE (RFC 3261 §11.2)', async () => {
    const run = await runSipp({ scenario: SIPP_SCENARIOS.options, target: `127.0.0.1:${fx.udpPort}`, calls: 3, rate: 10, timeoutMs: 15_000 });
    expect(run.errors).toBe('');
    expect(run).toMatchObject({ exitCode: 0, successful: 3, failed: 0 });
  });

  it('completes 200 sequential calls over UDP with no failure, and all dialogs end', async () => {
    const run = await runSipp({
      scenario: SIPP_SCENARIOS.uacCall,
      target: `127.0.0.1:${fx.udpPort}`,
      calls: 200,
      rate: 100,
      concurrency: 1,
      timeoutMs: 60_000,
    });
    expect(run.errors).toBe('');
    expect(run).toMatchObject({ exitCode: 0, successful: 200, failed: 0 });
    expect(fx.calls).toHaveLength(200);
    const causes = await Promise.all(fx.calls.map((c) => c.ended));
    expect(new Set(causes)).toEqual(new Set(['remote-bye']));
    expect(fx.sip.stats()).toMatchObject({ dialogs: 0, calls: 0 });
  }, 90_000);

  it('completes 200 calls over TCP, 10 at a time, and all dialogs end', async () => {
    const run = await runSipp({
      scenario: SIPP_SCENARIOS.uacCall,
      target: `127.0.0.1:${fx.tcpPort}`,
      transport: 'tcp',
      calls: 200,
      rate: 100,
      concurrency: 10,
      timeoutMs: 60_000,
    });
    expect(run.errors).toBe('');
    expect(run).toMatchObject({ exitCode: 0, successful: 200, failed: 0 });
    expect(fx.calls).toHaveLength(200);
    await fx.waitForStats((s) => s.dialogs === 0 && s.calls === 0);
  }, 90_000);

  // The load test of the default suite: ~31 s, 0 failures also with four busy loops on two cores.
  it('carries 20 calls/s with 20 concurrent for 30 s without a failure, and every call ends', async () => {
    const run = await runSipp({
      scenario: SIPP_SCENARIOS.uacCall,
      target: `127.0.0.1:${fx.udpPort}`,
      calls: 600,
      rate: 20,
      concurrency: 20,
      pauseMs: 900,
      timeoutMs: 38_000,
    });
    expect(run.errors).toBe('');
    expect(run).toMatchObject({ exitCode: 0, successful: 600, failed: 0 });
    expect(fx.calls).toHaveLength(600);
    await fx.waitForStats((s) => s.dialogs === 0 && s.calls === 0);
  }, 60_000);
});
