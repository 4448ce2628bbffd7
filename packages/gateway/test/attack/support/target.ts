/**
 * The gateway under attack: a real `npm start` process (main.ts through tsx) on its own
 * ports and data directory, seen only from outside (HTTP, SIP, /proc). One per attack file.
 *
 *   const target = await GatewayTarget.start();
 *   ... attack it from 127.0.0.2, 127.0.0.3, ... ...
 *   expect(await stillServing(target, { caller: 60 })).toEqual([]);
 *   await target.stop();
 *
 * `killHard()` + `start()` again on the same data directory and ports is the "kill -9 and
 * restart" of the issue; `revive()` starts it again after an attack killed it, so the next
 * attack of the file is judged on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeSipPort, freeTcpPort } from '../../support/ports.ts';
import { httpFrom, type HttpAnswer } from './sources.ts';

const ROOT = fileURLToPath(new URL('../../../../..', import.meta.url));
const DNS_PROBE = fileURLToPath(new URL('./dns-probe.mjs', import.meta.url));
export const ADMIN_PASSWORD = 'attack-suite-admin-password';

export interface TargetOptions {
  /** RTP ports for phones: a small range makes port exhaustion and port scans quick. */
  rtpPorts?: number;
  /** Extra flags of main.ts. */
  flags?: string[];
}

let nextRtpBase = 24000;

export class GatewayTarget {
  #child: ChildProcess | undefined;
  #stdout = '';
  #stderr = '';
  #cookie = '';
  #startRssMb = 0;

  private constructor(
    readonly dataDir: string,
    readonly httpPort: number,
    readonly sipPort: number,
    readonly rtpPortMin: number,
    readonly rtpPortMax: number,
    readonly flags: readonly string[],
  ) {}

  static async start(options: TargetOptions = {}): Promise<GatewayTarget> {
    const rtpPorts = options.rtpPorts ?? 200;
    const rtpPortMin = nextRtpBase;
    nextRtpBase += rtpPorts + 2;
    const target = new GatewayTarget(
      await mkdtemp(join(tmpdir(), 'camgate-attack-')),
      await freeTcpPort(),
      await freeSipPort(),
      rtpPortMin,
      rtpPortMin + rtpPorts - 1,
      options.flags ?? [],
    );
    await target.launch();
    return target;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get sipUri(): string {
    return `sip:camera@127.0.0.1:${this.sipPort}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The admin session cookie (`name=value`) of the current process. */
  get adminCookie(): string {
    return this.#cookie;
  }

  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the process printed on stderr (crash traces, the DNS probe's lines). */
  get stderr(): string {
    return this.#stderr;
  }

  /** pino's JSON log lines on stdout, parsed. */
  logLines(): Record<string, unknown>[] {
    return this.#stdout.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Host names the process looked up (reported by the DNS probe preloaded into it). */
  dnsLookups(): string[] {
    return [...this.#stderr.matchAll(/^attack-probe: dns lookup (.*)$/gm)].map((m) => m[1]!);
  }

  /** RSS right after the latest start: 300-800 MB on this machine, depending on how malloc kept its start-up work. */
  get startRssMb(): number {
    return this.#startRssMb;
  }

  /** Resident memory of the gateway process (not its mediasoup worker), in MB. */
  rssMb(): number {
    if (!this.pid) return 0;
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  /** Starts the process (again) on the same data directory and ports; signs the admin in. */
  async launch(): Promise<void> {
    this.#stdout = '';
    this.#stderr = '';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', DNS_PROBE, 'packages/gateway/src/main.ts',
        '--data-dir', this.dataDir, '--http-host', '127.0.0.1', '--http-port', String(this.httpPort),
        '--sip-host', '127.0.0.1', '--sip-port', String(this.sipPort), '--announced-ip', '127.0.0.1',
        '--rtp-port-min', String(this.rtpPortMin), '--rtp-port-max', String(this.rtpPortMax), '--log-level', 'info', ...this.flags],
      {
        cwd: ROOT,
        // A gateway that caps its calls (CAMGATE_MAX_CALLS) refuses a cap above its RTP port pairs.
        env: { ...process.env, CAMGATE_ADMIN_PASSWORD: ADMIN_PASSWORD, CAMGATE_MAX_CALLS: String(Math.min(100, Math.floor((this.rtpPortMax - this.rtpPortMin + 1) / 2))) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    child.stdout!.on('data', (d: Buffer) => (this.#stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!this.#stdout.includes('camgate is running')) {
      if (!this.alive) throw new Error(`gateway exited at start-up:\n${this.#stdout.slice(-3000)}\n${this.#stderr.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`gateway did not start:\n${this.#stdout.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.#cookie = await this.signIn();
    this.#startRssMb = this.rssMb();
  }

  /** Signs the admin in from 127.0.0.1 and returns the session cookie. */
  async signIn(source = '127.0.0.1'): Promise<string> {
    const answer = await this.login('admin', ADMIN_PASSWORD, source);
    if (answer.status !== 204) throw new Error(`admin sign-in failed: ${answer.status} ${answer.body}`);
    return answer.headers['set-cookie']![0]!.split(';')[0]!;
  }

  login(username: string, password: string, source: string): Promise<HttpAnswer> {
    return this.http('POST', '/api/login', { source, body: { username, password } });
  }

  /** A raw HTTP request to the gateway from `source` (default 127.0.0.1). */
  http(method: string, path: string, options: { source?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    return httpFrom(options.source ?? '127.0.0.1', { port: this.httpPort, method, path, body: options.body, headers: options.headers });
  }

  /** The REST API as the signed-in admin; throws on a non-2xx answer. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.http(method, path, { body, headers: { cookie: this.#cookie } });
    if (answer.status < 200 || answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.body}`);
    return (answer.body ? JSON.parse(answer.body) : undefined) as T;
  }

  /** SIGKILL, as a power cut or the OOM killer would; resolves once it is gone. */
  async killHard(): Promise<void> {
    const child = this.#child;
    if (!child || !this.alive) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  /** Starts the process again if an attack killed it (the next attack starts from a live gateway). */
  async revive(): Promise<void> {
    if (!this.alive) await this.launch();
  }

  async stop(): Promise<void> {
    await this.killHard();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
