/**
 * A real Kamailio (Debian 5.6), in one of two roles:
 *
 * `Kamailio.start()`: a SIP provider, registrar + proxy on
 * 127.0.0.1 (UDP and TCP on one free port) with usrloc in memory, no database.
 *
 *   const provider = await Kamailio.start({ username: 'camgate', password: 'secret' });
 *   // REGISTER to sip:127.0.0.1:<provider.port> is challenged (401, digest qop=auth) against
 *   // that one account (`phones` register unchallenged); an INVITE from the account is
 *   // challenged (407); requests are routed to the registered contact by
 *   // `lookup("location")` on the Request-URI user, with Record-Route.
 *   await provider.close();
 *
 * `Kamailio.dispatcher()`: the repository's deploy/kamailio/kamailio.cfg as it ships, in
 * front of gateway nodes (dispatcher set 1), on its own loopback address:
 *
 *   const proxy = await Kamailio.dispatcher({ host: '127.0.0.10', nodes: ['sip:127.0.0.11:5071'], pingIntervalS: 1 });
 *   // dial sip:camera@127.0.0.10:<proxy.port>
 *
 * Kamailio logs to stderr (`-E`), available as `provider.process.output`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The dispatcher configuration operators deploy. */
export const DISPATCHER_CFG = fileURLToPath(new URL('../../../../deploy/kamailio/kamailio.cfg', import.meta.url));

export interface DispatcherOptions {
  /** Loopback address Kamailio listens on (UDP and TCP). */
  host: string;
  /** Its port; default a free one (a restart passes the port of the Kamailio it replaces). */
  port?: number;
  /** The gateway nodes, as dispatcher destinations (`sip:127.0.0.11:5071`). */
  nodes: string[];
  /** Seconds between OPTIONS probes of each node (the deployed default is 5). */
  pingIntervalS?: number;
  /** Dispatcher algorithm: 4 round robin (default), 0 hash over Call-ID. */
  algorithm?: 0 | 4;
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
    readonly host: string,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(options: KamailioOptions): Promise<Kamailio> {
    const dir = await mkdtemp(join(tmpdir(), 'camgate-kamailio-'));
    const port = await freeSipPort();
    const cfg = join(dir, 'kamailio.cfg');
    await writeFile(cfg, config(port, options));
    return Kamailio.#launch(dir, '127.0.0.1', port, ['-f', cfg]);
  }

  /** deploy/kamailio/kamailio.cfg in front of `nodes`, with its dispatcher list in a temp dir. */
  static async dispatcher(options: DispatcherOptions): Promise<Kamailio> {
    const dir = await mkdtemp(join(tmpdir(), 'camgate-kamailio-'));
    const port = options.port ?? (await freeSipPort());
    const list = join(dir, 'dispatcher.list');
    await writeFile(list, options.nodes.map((node) => `1 ${node}\n`).join(''));
    const args = [
      ...['-f', DISPATCHER_CFG, '-l', `udp:${options.host}:${port}`, '-l', `tcp:${options.host}:${port}`],
      ...['-A', `DISPATCHER_LIST="${list}"`, '-A', `DS_PING_INTERVAL=${options.pingIntervalS ?? 5}`, '-A', `DS_ALGORITHM="${options.algorithm ?? 4}"`],
    ];
    return Kamailio.#launch(dir, options.host, port, args);
  }

  static async #launch(dir: string, host: string, port: number, cfgArgs: string[]): Promise<Kamailio> {
    const args = [...cfgArgs, '-DD', '-E', '-w', dir, '-Y', dir, '-P', join(dir, 'kamailio.pid'), '-m', '32', '-M', '4'];
    const process = new PeerProcess('kamailio', '/usr/sbin/kamailio', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitUntilListening(process, host, port);
      return new Kamailio(process, host, port, dir);
    } catch (error) {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** SIP URI of the registrar/proxy for the given transport. */
  uri(transport: 'udp' | 'tcp' = 'udp'): string {
    return `sip:${this.host}:${this.port};transport=${transport}`;
  }

  async close(): Promise<void> {
    await this.process.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Kamailio is ready when its TCP listener accepts a connection. */
async function waitUntilListening(process: PeerProcess, host: string, port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!process.running) throw new Error(`kamailio exited:\n${process.tail()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
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
