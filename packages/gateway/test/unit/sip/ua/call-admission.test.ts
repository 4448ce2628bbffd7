import { describe, expect, it } from 'vitest';

import { DEFAULT_CALL_ADMISSION_LIMITS, refuseInvite, type AdmittedCall } from '../../../../src/sip/ua/call-admission.ts';
import type { CallState } from '../../../../src/sip/ua/call-state.ts';

const limits = { maxCalls: 5, maxCallsPerSource: 3, maxPendingInvitesPerSource: 2 };
const calls = (address: string, ...states: CallState[]): AdmittedCall[] => states.map((state) => ({ sourceAddress: address, state }));

describe('call admission quotas', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_CALL_ADMISSION_LIMITS).toEqual({ maxCalls: 100, maxCallsPerSource: 4, maxPendingInvitesPerSource: 2 });
  });

  it('admits until a source has its pending INVITEs, then answers 486 with Retry-After', () => {
    expect(refuseInvite(limits, '192.0.2.1', calls('192.0.2.1', 'answered'))).toBeUndefined();
    const refusal = refuseInvite(limits, '192.0.2.1', calls('192.0.2.1', 'answered', 'ringing'));
    expect(refusal?.status).toBe(486);
    expect(refusal?.headers).toContainEqual(['Retry-After', '32']);
  });

  it('counts established calls against the per-source limit but not against the pending one', () => {
    expect(refuseInvite(limits, '192.0.2.1', calls('192.0.2.1', 'established', 'established', 'incoming'))?.status).toBe(486);
    expect(refuseInvite(limits, '192.0.2.1', calls('192.0.2.1', 'established', 'incoming'))).toBeUndefined();
  });

  it('answers 503 with Retry-After when the gateway is full, and ignores ended calls', () => {
    const full = [...calls('192.0.2.1', 'established', 'established'), ...calls('192.0.2.2', 'established', 'established'), ...calls('192.0.2.3', 'answered')];
    const refusal = refuseInvite(limits, '192.0.2.9', full);
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers).toContainEqual(['Retry-After', '60']);
    expect(refuseInvite(limits, '192.0.2.9', [...full.slice(1), ...calls('192.0.2.1', 'terminated')])).toBeUndefined();
  });

  it('lets other sources in while one source is at its quota', () => {
    expect(refuseInvite(limits, '192.0.2.2', calls('192.0.2.1', 'answered', 'answered'))).toBeUndefined();
  });
});
