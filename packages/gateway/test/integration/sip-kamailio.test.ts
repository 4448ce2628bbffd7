/**
 * Kamailio as the SIP provider: the stack registers with digest auth, keeps the
 * registration alive by refreshing it, answers calls the provider routes to the
 * registered contact, and unregisters on close.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Registration, RegistrationState } from '../../src/sip/ua/registration.ts';
import { Kamailio } from '../support/kamailio.ts';
import { runSipp, SIPP_SCENARIOS } from '../support/sipp.ts';
import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

const ACCOUNT = { username: 'camgate', password: 's3cret-Pw' };

function waitForState(registration: Registration, wanted: RegistrationState, timeoutMs = 10_000): Promise<string> {
  if (registration.state === wanted) return Promise.resolve(registration.detail);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registration stayed ${registration.state} (${registration.detail})`)), timeoutMs);
    registration.on('state', (state, detail) => {
      if (state !== wanted) return;
      clearTimeout(timer);
      resolve(detail);
    });
  });
}

describe('registration with Kamailio (RFC 3261 §10)', () => {
  let fx: SipFixture;
  let provider: Kamailio;

  beforeEach(async () => {
    provider = await Kamailio.start(ACCOUNT);
    fx = await startSipFixture();
  });

  afterEach(async () => {
    await fx.close();
    await provider.close();
  });

  const register = (password = ACCOUNT.password, expires = 4, transport: 'udp' | 'tcp' = 'udp') =>
    fx.sip.register({
      registrar: { host: '127.0.0.1', port: provider.port, transport },
      aor: 'sip:camgate@127.0.0.1',
      username: ACCOUNT.username,
      password,
      expires,
    });

  const callThroughProvider = () =>
    runSipp({ scenario: SIPP_SCENARIOS.uacCall, target: `127.0.0.1:${provider.port}`, service: 'camgate', calls: 1, timeoutMs: 15_000 });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers over ${transport.toUpperCase()} with digest auth, refreshes before expiry, and answers calls the provider routes here`, async () => {
      const registration = register(ACCOUNT.password, 4, transport);
      expect(await waitForState(registration, 'registered')).toBe('expires 4s');
      // Past the first lifetime: only a refreshed binding still routes.
      await new Promise((r) => setTimeout(r, 5500));
      expect(registration.state).toBe('registered');
      const run = await callThroughProvider();
      expect(run.errors).toBe('');
      expect(run).toMatchObject({ exitCode: 0, successful: 1, failed: 0 });
      const record = fx.calls[0]!;
      expect(record.call.registrationAor).toBe('sip:camgate@127.0.0.1');
      expect(record.call.requestUri).toContain(registration.contact.user);
      expect(record.call.requestUser).toBe('camgate'); // the AoR's user: the number the caller dialled
      expect(await record.ended).toBe('remote-bye');
    }, 40_000);
  }

  it('reports failed with the reason when the password is wrong', async () => {
    const registration = register('wrong');
    expect(await waitForState(registration, 'failed')).toBe('401 authentication failed');
  });

  it('unregisters on close: the provider no longer routes to us', async () => {
    const registration = register(ACCOUNT.password, 60);
    await waitForState(registration, 'registered');
    await registration.close();
    expect(registration.state).toBe('disabled');
    const run = await callThroughProvider();
    expect(run.successful).toBe(0);
    expect(fx.calls).toHaveLength(0);
  }, 30_000);
});
