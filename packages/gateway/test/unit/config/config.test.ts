import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config/config.ts';

describe('call quota flags', () => {
  it('defaults to 100 calls, 4 per source, 2 un-ACKed INVITEs per source', () => {
    const config = loadConfig(['--announced-ip', '127.0.0.1'], {});
    expect([config.maxCalls, config.maxCallsPerSource, config.maxPendingInvitesPerSource]).toEqual([100, 4, 2]);
  });

  it('reads --max-calls, --max-calls-per-source and --max-pending-invites-per-source and their variables', () => {
    const config = loadConfig(['--max-calls', '20', '--max-calls-per-source', '3'], { CAMGATE_MAX_PENDING_INVITES_PER_SOURCE: '1', CAMGATE_ANNOUNCED_IP: '127.0.0.1' });
    expect([config.maxCalls, config.maxCallsPerSource, config.maxPendingInvitesPerSource]).toEqual([20, 3, 1]);
  });

  it('without --max-calls, a small RTP range lowers the default to its port pairs', () => {
    expect(loadConfig(['--announced-ip', '127.0.0.1', '--rtp-port-min', '20000', '--rtp-port-max', '20019'], {}).maxCalls).toBe(10);
  });

  it('refuses more calls than the RTP range has port pairs, naming the flag', () => {
    expect(() => loadConfig(['--rtp-port-min', '20000', '--rtp-port-max', '20019', '--max-calls', '11'], {})).toThrow(/--max-calls.*RTP port pairs/);
    expect(() => loadConfig(['--max-calls-per-source', '0'], {})).toThrow(/--max-calls-per-source/);
  });
});

describe('--database', () => {
  it('is unset by default (SQLite in the data directory) and takes a postgres:// URL from the flag or CAMGATE_DATABASE', () => {
    expect(loadConfig(['--announced-ip', '127.0.0.1'], {}).database).toBeUndefined();
    expect(loadConfig(['--announced-ip', '127.0.0.1', '--database', 'postgres://camgate@127.0.0.1:5432/camgate'], {}).database).toBe('postgres://camgate@127.0.0.1:5432/camgate');
    expect(loadConfig(['--announced-ip', '127.0.0.1'], { CAMGATE_DATABASE: 'postgresql://db.example/camgate' }).database).toBe('postgresql://db.example/camgate');
  });

  it('refuses anything but a PostgreSQL URL with a host and a database, naming the flag', () => {
    for (const bad of ['mysql://h/db', 'postgres://h', 'postgres:///db', 'not a url']) {
      expect(() => loadConfig(['--database', bad], {})).toThrow(/--database \(CAMGATE_DATABASE\).*postgres:\/\/user@host:port\/database/);
    }
  });
});
