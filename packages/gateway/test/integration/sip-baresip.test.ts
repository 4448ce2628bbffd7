/**
 * baresip (a real SIP phone, headless) calls the stack: answer, hang up from either side,
 * and afterwards nothing of the call is left in the stack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Baresip } from '../support/baresip.ts';
import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

describe('baresip calls the camera', () => {
  let fx: SipFixture;
  let phone: Baresip;

  beforeEach(async () => {
    // T1 = 50 ms: Timer L (64*T1) and the ACK wait end in 3.2 s instead of 32 s, so the
    // clean-up test below finishes quickly; loopback calls do not notice the short timers.
    fx = await startSipFixture({ stack: { timers: { T1: 50 }, limits: { idleTimeoutMs: 1000 } } });
    phone = await Baresip.start();
  });

  afterEach(async () => {
    await phone.close();
    await fx.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`over ${transport.toUpperCase()}: the camera answers, baresip hangs up, the call ends with remote-bye`, async () => {
      const port = transport === 'udp' ? fx.udpPort : fx.tcpPort;
      await phone.dial(`sip:camera@127.0.0.1:${port};transport=${transport}`);
      const record = await fx.nextCall();
      expect(record.call.requestUser).toBe('camera');
      expect(record.call.from.user).toBe('baresip');
      expect(record.call.transport).toBe(transport);
      expect(record.call.offer).toContain('PCMU/8000');
      await phone.waitForEvent('CALL_ESTABLISHED');
      await record.established;
      await phone.hangup();
      expect(await record.ended).toBe('remote-bye');
      await phone.waitForEvent('CALL_CLOSED');
      expect(fx.sip.stats()).toMatchObject({ dialogs: 0, calls: 0 });
    });
  }

  it('the camera hangs up with BYE over the caller\'s TCP connection', async () => {
    await phone.dial(`sip:camera@127.0.0.1:${fx.tcpPort};transport=tcp`);
    const record = await fx.nextCall();
    await record.established;
    await record.call.hangup('goodbye');
    expect(await record.ended).toBe('local-bye');
    const closed = await phone.waitForEvent('CALL_CLOSED');
    expect(closed.param).toMatch(/goodbye|Connection reset by peer/);
  });

  it('leaves no transaction, dialog or connection behind (after Timer L and the idle timeout)', async () => {
    await phone.dial(`sip:camera@127.0.0.1:${fx.tcpPort};transport=tcp`);
    const record = await fx.nextCall();
    await record.established;
    await phone.hangup();
    await record.ended;
    // RFC 6026 Timer L (64*T1, here 3.2 s) keeps the accepted INVITE transaction; then all is gone.
    expect(fx.sip.stats().transactions).toBeGreaterThan(0);
    await fx.waitForStats((s) => s.transactions === 0 && s.dialogs === 0 && s.calls === 0 && s.connections === 0, 15_000);
  });
});
