/**
 * Preloaded into the gateway process under attack (`--import`, plain JS so it loads before
 * tsx's hooks): reports every host-name lookup on stderr, so an attack can assert that a
 * name a caller wrote (c= in SDP, a Via) never made the gateway ask DNS. Literal addresses
 * are not reported: Node passes them through `lookup` too, without asking anyone.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

const report = (host) => {
  if (typeof host === 'string' && isIP(host) === 0) process.stderr.write(`attack-probe: dns lookup ${host}\n`);
};

const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  report(host);
  return lookup.call(this, host, ...rest);
};

const lookupPromise = dns.promises.lookup;
dns.promises.lookup = function (host, ...rest) {
  report(host);
  return lookupPromise.call(this, host, ...rest);
};

// ESM `import { lookup } from 'node:dns/promises'` sees the wrapped functions too.
syncBuiltinESMExports();
