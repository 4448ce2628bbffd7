/**
 * What every attack asserts after (or during) itself: the gateway process lives, answers
 * OPTIONS, answers a real phone (baresip) calling from another source, and its memory stays
 * within RSS_HEADROOM_MB of what it used at start. Problems come back as sentences, so a failing test (and the
 * benchmark's FAIL line) says what the attack broke.
 */
import type { IncomingCallsSettings, SettingsView } from '@camgate/protocol';
import { Baresip } from '../../support/baresip.ts';
import { optionsAnswered } from './sip.ts';
import type { GatewayTarget } from './target.ts';

/**
 * Memory the gateway may add to what it used right after start, in MB (it starts at 300-800 MB
 * on this machine: tsx, espeak, and whatever malloc kept of its start-up work, which varies).
 */
export const RSS_HEADROOM_MB = 600;

/**
 * Where a legitimate phone whose media must be believed (a PIN typed as RFC 4733) calls from.
 * baresip 1.0 binds its RTP sockets to the wildcard address, so its RTP leaves from
 * 127.0.0.1 whatever its SIP host is; only from 127.0.0.1 do its SIP and RTP agree, as a
 * real phone's do. Attackers never use 127.0.0.1.
 */
export const OWNER_PHONE_HOST = '127.0.0.1';

export interface ServingCheck {
  /** Loopback address of the monitor's OPTIONS. */
  monitor: string;
  /** Loopback address of the legitimate phone (baresip), never an attacker's. */
  caller: string;
  /** The phone's SIP address (its From), default `sip:owner@<caller>`. */
  callerAor?: string;
  /** Override of `RSS_HEADROOM_MB`. */
  rssHeadroomMb?: number;
}

/** Sentences naming what no longer works; empty when the gateway still serves. */
export async function stillServing(target: GatewayTarget, check: ServingCheck): Promise<string[]> {
  if (!target.alive) return [`the gateway process died:\n${target.stderr.slice(-1500)}`];
  const problems: string[] = [];
  const options = await optionsAnswered(target.sipPort, check.monitor).catch(() => undefined);
  if (options !== 200) problems.push(`OPTIONS from ${check.monitor} answered ${options ?? 'never'}`);
  const call = await callAnswered(target, check.caller, check.callerAor);
  if (call !== 'answered') problems.push(`a phone calling from ${check.caller}: ${call}`);
  const rss = target.rssMb();
  const bound = target.startRssMb + (check.rssHeadroomMb ?? RSS_HEADROOM_MB);
  if (rss > bound) problems.push(`RSS ${rss.toFixed(0)} MB is over ${bound.toFixed(0)} MB (${target.startRssMb.toFixed(0)} MB at start + ${check.rssHeadroomMb ?? RSS_HEADROOM_MB})`);
  if (!target.alive) problems.push('the gateway process died during the check');
  return problems;
}

/** Dials the camera from a real baresip at `address`; 'answered' or what happened instead. */
export async function callAnswered(target: GatewayTarget, address: string, aor = `sip:owner@${address}`): Promise<string> {
  const phone = await Baresip.start({ host: address, aor });
  try {
    await phone.dial(target.sipUri);
    const outcome = await Promise.race([
      phone.waitForEvent('CALL_ESTABLISHED', 15_000).then(() => 'answered'),
      phone.waitForEvent('CALL_CLOSED', 15_000).then((e) => `closed before answer (${e.param ?? ''})`),
    ]).catch((error: Error) => `no answer: ${error.message.split('\n')[0]}`);
    if (outcome === 'answered') {
      await phone.hangup();
      await phone.waitForEvent('CALL_CLOSED', 5000).catch(() => undefined);
    }
    return outcome;
  } finally {
    await phone.close();
  }
}

/** Changes some Incoming Calls settings (Set) as the admin. */
export async function applySettings(target: GatewayTarget, change: Partial<IncomingCallsSettings>): Promise<void> {
  const view = await target.api<SettingsView>('GET', '/api/cameras/camera/settings');
  await target.api('PUT', '/api/cameras/camera/settings', { ...view.running, ...change });
}

/** Polls `check` until it gives a value (not undefined/false) or `timeoutMs` passes. */
export async function within<T>(timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) return undefined;
    await pause(100);
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
