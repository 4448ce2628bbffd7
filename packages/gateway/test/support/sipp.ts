/**
 * Runs sipp (Debian `sip-tester` 3.6) against a SIP endpoint and reports how the calls went.
 *
 *   const run = await runSipp({ scenario: SIPP_SCENARIOS.uacCall, target: '127.0.0.1:5060',
 *                              calls: 200, rate: 20, concurrency: 20, pauseMs: 500 });
 *   expect(run.failed).toBe(0);
 *
 * Scenarios live in `./sipp/*.xml` (own XML, documented in each file). Statistics come from
 * sipp's `-trace_stat` CSV; unexpected messages from `-trace_err` are returned for failure
 * messages. Every run has its own temp dir, removed afterwards.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freeSipPort } from './ports.ts';
import { PeerProcess, type PeerExit } from './process.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export const SIPP_SCENARIOS = {
  /** INVITE (PCMU offer) → 100/180? → 200 → ACK → pause → BYE → 200. */
  uacCall: join(HERE, 'sipp', 'uac-call.xml'),
  /** OPTIONS → 200 with INVITE in Allow. */
  options: join(HERE, 'sipp', 'options.xml'),
  /** A call whose media moves by an offerless re-INVITE: the ACK's answer names `-key answer_port N`. */
  offerlessReinvite: join(HERE, 'sipp', 'uac-offerless-reinvite.xml'),
  /** UAS: INVITE → 180 → pause (-d) → 603 Decline → ACK. */
  uasDecline: join(HERE, 'sipp', 'uas-decline.xml'),
} as const;

/** sipp listening as a UAS (a callee) on its own UDP port until it handled `calls` calls. */
export interface SippServer {
  port: number;
  /** Resolves when sipp exits (after `calls` calls, or on `stop()`). */
  exited: Promise<PeerExit>;
  stop(): Promise<void>;
}

export async function startSippServer(scenario: string, calls = 1, pauseMs = 500): Promise<SippServer> {
  const dir = await mkdtemp(join(tmpdir(), 'camgate-sipp-uas-'));
  const port = await freeSipPort();
  const args = ['-sf', scenario, '-t', 'u1', '-i', '127.0.0.1', '-p', String(port), '-m', String(calls), '-d', String(pauseMs), '-nostdin'];
  const sipp = new PeerProcess('sipp', 'sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // sipp binds its port at once; a short grace keeps a fast INVITE from arriving first.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    port,
    exited: sipp.exited,
    async stop() {
      await sipp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SippOptions {
  /** Path of the scenario XML. */
  scenario: string;
  /** `host:port` of the system under test. */
  target: string;
  transport?: 'udp' | 'tcp';
  /** Loopback address sipp sends from (-i), default 127.0.0.1: several sources look like several callers. */
  localIp?: string;
  /** Request-URI user (`[service]`), default `camera`. */
  service?: string;
  /** Total calls (-m). */
  calls: number;
  /** Calls started per second (-r), default 10. */
  rate?: number;
  /** Maximum simultaneous calls (-l). */
  concurrency?: number;
  /** Duration of `<pause/>` (-d), default 0. */
  pauseMs?: number;
  /** sipp is killed after this long and the run counts as failed. */
  timeoutMs?: number;
  extraArgs?: readonly string[];
}

export interface SippResult {
  exitCode: number | null;
  successful: number;
  failed: number;
  /** Mean INVITE -> 200 OK time of the successful calls (the scenario's `setup` rtd), ms. */
  setupMs: number;
  /** Unexpected messages sipp logged (empty when all went to plan). */
  errors: string;
  output: string;
}

export async function runSipp(options: SippOptions): Promise<SippResult> {
  const dir = await mkdtemp(join(tmpdir(), 'camgate-sipp-'));
  const statFile = join(dir, 'stats.csv');
  const errorFile = join(dir, 'errors.log');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = [
    options.target,
    '-sf', options.scenario,
    '-t', options.transport === 'tcp' ? 't1' : 'u1',
    '-i', options.localIp ?? '127.0.0.1',
    '-p', String(await freeSipPort()), // sipp's own default, 5060, may be the system under test's
    '-s', options.service ?? 'camera',
    '-m', String(options.calls),
    '-r', String(options.rate ?? 10),
    '-l', String(options.concurrency ?? options.calls),
    '-d', String(options.pauseMs ?? 0),
    '-nostdin',
    '-trace_stat', '-stf', statFile, '-fd', '1',
    '-trace_err', '-error_file', errorFile,
    '-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error',
    ...(options.extraArgs ?? []),
  ];
  const sipp = new PeerProcess('sipp', 'sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => void sipp.stop(), timeoutMs + 5000);
  try {
    const { code } = await sipp.exited;
    const stats = parseStats(await readFile(statFile, 'utf8').catch(() => ''));
    const errors = await readFile(errorFile, 'utf8').catch(() => '');
    return { exitCode: code, ...stats, errors, output: sipp.tail() };
  } finally {
    clearTimeout(killer);
    await sipp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The cumulative counters of the last line of sipp's `;`-separated statistics file. */
function parseStats(csv: string): { successful: number; failed: number; setupMs: number } {
  const lines = csv.trim().split('\n');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.at(-1)?.split(';') ?? [];
  const column = (name: string) => Number(last[header.indexOf(name)] ?? NaN);
  // Response times read hh:mm:ss:microseconds, in a column named after the rtd (`ResponseTimesetup(C)`).
  const rtd = header.findIndex((name) => /^ResponseTime(?!StDev).*\(C\)$/.test(name));
  const [hours = 0, minutes = 0, secs = 0, micros = 0] = (last[rtd] ?? '').split(':').map(Number);
  return {
    successful: column('SuccessfulCall(C)'),
    failed: column('FailedCall(C)'),
    setupMs: ((hours * 60 + minutes) * 60 + secs) * 1000 + micros / 1000,
  };
}
