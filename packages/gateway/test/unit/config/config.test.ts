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

describe('--sip-trusted-proxy', () => {
  it('is repeatable, its variable comma-separated, and empty by default', () => {
    expect(loadConfig(['--sip-trusted-proxy', '192.0.2.10', '--sip-trusted-proxy', '2001:db8::1'], {}).sipTrustedProxy).toEqual(['192.0.2.10', '2001:db8::1']);
    expect(loadConfig([], { CAMGATE_SIP_TRUSTED_PROXY: '192.0.2.10, 192.0.2.11' }).sipTrustedProxy).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(loadConfig([], {}).sipTrustedProxy).toEqual([]);
  });

  it('refuses a host name, naming the flag and the value', () => {
    expect(() => loadConfig(['--sip-trusted-proxy', 'kamailio.example'], {})).toThrow(/--sip-trusted-proxy \(CAMGATE_SIP_TRUSTED_PROXY\): expected an IP address, not "kamailio.example"/);
  });
});

describe('several gateways: --redis and --node-id', () => {
  it('without --redis nothing is shared; the node is named <hostname>:<SIP port>', () => {
    const config = loadConfig(['--announced-ip', '127.0.0.1', '--sip-port', '5070'], {});
    expect(config.redis).toBeUndefined();
    expect(config.nodeId).toMatch(/^.+:5070$/);
  });

  it('reads --redis / CAMGATE_REDIS and --node-id', () => {
    expect(loadConfig(['--node-id', 'gw-1'], { CAMGATE_REDIS: 'redis://10.0.0.5:6379', CAMGATE_ANNOUNCED_IP: '127.0.0.1' })).toMatchObject({ redis: 'redis://10.0.0.5:6379', nodeId: 'gw-1' });
  });

  it('refuses a URL that is not redis:// and a node id that would not read well in logs, naming the flag', () => {
    expect(() => loadConfig(['--redis', 'http://10.0.0.5:6379'], {})).toThrow(/--redis \(CAMGATE_REDIS\): expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig(['--redis', 'not a url'], {})).toThrow(/--redis/);
    expect(() => loadConfig(['--node-id', 'gw 1'], {})).toThrow(/--node-id/);
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
