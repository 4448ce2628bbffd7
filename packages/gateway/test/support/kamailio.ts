/**
 * A real Kamailio (Debian 5.6) standing in for a SIP provider: registrar + proxy on
 * 127.0.0.1 (UDP and TCP on one free port) with usrloc in memory, no database.
 *
 *   const provider = await Kamailio.start({ username: 'camgate', password: 'secret' });
 *   // REGISTER to sip:127.0.0.1:<provider.port> is challenged (401, digest qop=auth) against
 *   // that one account (`phones` register unchallenged); an INVITE from the account is
 *   // challenged (407); requests are routed to the registered contact by
 *   // `lookup("location")` on the Request-URI user, with Record-Route.
 *   await provider.close();
 *
 * Kamailio logs to stderr (`-E`), available as `provider.process.output`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freeSipPort } from './ports.ts';
import { PeerProcess } from './process.ts';

export interface KamailioOptions {
  /** The one account allowed to register. */
  username: string;
  password: string;
  /** Digest realm; default `127.0.0.1` (the From domain of the registering UA). */
  realm?: string;
  /** Digest algorithm Kamailio offers: MD5 (default) or SHA-256. */
  algorithm?: 'MD5' | 'SHA-256';
  /** Smallest Expires Kamailio accepts (seconds); default 1, so tests can refresh quickly. */
  minExpires?: number;
  /** Further users (phones the camera calls) who may register without authentication. */
  phones?: string[];
}

function quoteCfg(value: string): string {
  if (!/^[\w.@:+-]*$/.test(value)) throw new Error(`unsafe value for kamailio.cfg: ${value}`);
  return `"${value}"`;
}

function config(port: number, options: KamailioOptions): string {
  const realm = quoteCfg(options.realm ?? '127.0.0.1');
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
auto_aliases=no
alias="127.0.0.1:${port}"

mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"

modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", ${options.minExpires ?? 1})
modparam("auth", "algorithm", ${quoteCfg(options.algorithm ?? 'MD5')})
modparam("auth", "nonce_expire", 300)

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route() || is_method("ACK")) { t_relay(); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (is_method("REGISTER")) {
${(options.phones ?? []).map((user) => `    if ($tU == ${quoteCfg(user)}) { save("location"); exit; }\n`).join('')}    if (!pv_www_authenticate(${realm}, ${quoteCfg(options.password)}, "0")) {
      www_challenge(${realm}, "1"); # flag 1: qop=auth
      exit;
    }
    if ($au != ${quoteCfg(options.username)}) { sl_send_reply("403", "Forbidden"); exit; }
    if (!save("location")) sl_reply_error();
    exit;
  }
  # Calls from the account (the camera calling out) must authenticate, as at a real provider.
  if (is_method("INVITE") && $fU == ${quoteCfg(options.username)}) {
    if (!pv_proxy_authenticate(${realm}, ${quoteCfg(options.password)}, "0")) { proxy_challenge(${realm}, "1"); exit; }
    consume_credentials();
  }
  if (is_method("INVITE")) record_route();
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

export class Kamailio {
  private constructor(
    readonly process: PeerProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(options: KamailioOptions): Promise<Kamailio> {
    const dir = await mkdtemp(join(tmpdir(), 'camgate-kamailio-'));
    const port = await freeSipPort();
    const cfg = join(dir, 'kamailio.cfg');
    await writeFile(cfg, config(port, options));
    const args = ['-f', cfg, '-DD', '-E', '-w', dir, '-Y', dir, '-P', join(dir, 'kamailio.pid'), '-m', '32', '-M', '4'];
    const process = new PeerProcess('kamailio', '/usr/sbin/kamailio', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitUntilListening(process, port);
      return new Kamailio(process, port, dir);
    } catch (error) {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** SIP URI of the registrar/proxy for the given transport. */
  uri(transport: 'udp' | 'tcp' = 'udp'): string {
    return `sip:127.0.0.1:${this.port};transport=${transport}`;
  }

  async close(): Promise<void> {
    await this.process.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Kamailio is ready when its TCP listener accepts a connection. */
async function waitUntilListening(process: PeerProcess, port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!process.running) throw new Error(`kamailio exited:\n${process.tail()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`kamailio did not listen on ${port}:\n${process.tail()}`);
}
