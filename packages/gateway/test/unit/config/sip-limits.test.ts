import { describe, expect, it } from 'vitest';
import { loadConfig, sipLimits } from '../../../src/config/config.ts';

describe('SIP resource flags (README, Security)', () => {
  it('unset flags leave the stack its defaults', () => {
    expect(sipLimits(loadConfig([], {}))).toEqual({});
  });

  it('flags and CAMGATE_* variables become the SipStack limits, in its units', () => {
    const config = loadConfig(
      ['--sip-max-connections', '2048', '--sip-max-connections-per-address', '8', '--sip-message-timeout', '5', '--sip-max-write-buffer', '128'],
      { CAMGATE_SIP_MAX_TRANSACTIONS_PER_SOURCE: '50', CAMGATE_SIP_IDLE_TIMEOUT: '300', CAMGATE_SIP_MAX_TRANSACTIONS: '9000' },
    );
    expect(sipLimits(config)).toEqual({
      maxConnections: 2048,
      maxConnectionsPerAddress: 8,
      messageTimeoutMs: 5000,
      idleTimeoutMs: 300_000,
      maxWriteBufferBytes: 128 * 1024,
      maxTransactions: 9000,
      maxTransactionsPerSource: 50,
    });
  });

  it('a nonsensical value names its flag', () => {
    expect(() => loadConfig(['--sip-max-connections-per-address', '0'], {})).toThrow(/--sip-max-connections-per-address/);
    expect(() => loadConfig(['--sip-max-write-buffer', '1'], {})).toThrow(/--sip-max-write-buffer/);
  });
});
