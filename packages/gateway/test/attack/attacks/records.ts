/**
 * Issue #9, "records": what the camera page shows must stay true under attack. A flood of
 * rejected INVITEs must not push the answered calls out of GET /api/calls; a call cut by
 * kill -9 shows as ended ("gateway restarted") after the restart, not "in progress"; and
 * rate-limit drops produce about one log line per burst, not one per refill.
 */
import type { CallLogEntry, CameraStatus } from '@camgate/protocol';
import { Baresip } from '../../support/baresip.ts';
import { Findings, type AttackResult } from '../support/result.ts';
import { applySettings, callAnswered, pause, within } from '../support/serving.ts';
import { sdpOffer, UdpSipPeer } from '../support/sip.ts';
import type { GatewayTarget } from '../support/target.ts';

/** Requests per source at once: under the rate limit's burst of 100. */
const PER_SOURCE = 90;

export async function rejectedFloodKeepsAnsweredCalls(target: GatewayTarget, o: { owner: string; sources: string[] }): Promise<AttackResult> {
  const findings = new Findings();
  const ownerAor = `sip:owner@${o.owner}`;
  await applySettings(target, { pin: '', acceptedCallers: [ownerAor] });
  const owner = await callAnswered(target, o.owner, ownerAor);
  if (owner !== 'answered') throw new Error(`the owner's call before the flood: ${owner}`);
  const answered = await within(5000, async () => (await target.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls?limit=5')).find((e) => e.caller.includes(ownerAor)));
  const peers = await Promise.all(o.sources.map((address) => UdpSipPeer.open(address)));
  try {
    for (const peer of peers) {
      for (let i = 0; i < PER_SOURCE; i++) {
        peer.request('INVITE', target.sipUri, target.sipPort, { user: `spam${i}`, sdp: sdpOffer(peer.address, 40_000) });
      }
      await pause(50);
    }
    const rejectedSoFar = () => peers.reduce((sum, p) => sum + new Set(p.messages.filter((m) => m.status >= 400).map((m) => m.callId)).size, 0);
    await within(15_000, async () => rejectedSoFar() >= 0.95 * peers.length * PER_SOURCE);
    const rejected = rejectedSoFar();
    const log = await target.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls?limit=500');
    const kept = answered !== undefined && log.some((e) => e.callId === answered.callId);
    findings.record('rejected INVITEs', rejected);
    findings.record('call log rows listed', log.length);
    findings.record('answered call still listed', String(kept));
    findings.expectThat(rejected > 0, 'the flood was not rejected at all (the accepted list did not apply)');
    findings.expectThat(kept, `the owner's answered call is gone from GET /api/calls after ${rejected} rejected INVITEs`);
  } finally {
    for (const peer of peers) peer.close();
    await applySettings(target, { acceptedCallers: [] });
  }
  return findings.result;
}

export async function callCutByKill(target: GatewayTarget, o: { owner: string }): Promise<AttackResult> {
  const findings = new Findings();
  await applySettings(target, { pin: '', acceptedCallers: [] });
  const phone = await Baresip.start({ host: o.owner, aor: `sip:owner@${o.owner}` });
  let callId: string | undefined;
  try {
    await phone.dial(target.sipUri);
    await phone.waitForEvent('CALL_ESTABLISHED');
    callId = await within(5000, async () => (await target.api<CameraStatus>('GET', '/api/cameras/camera/status')).calls[0]?.callId);
    await target.killHard();
  } finally {
    await phone.close();
  }
  await target.launch();
  findings.expectThat(callId !== undefined, 'the call never showed in /api/status before the kill');
  const entry = (await target.api<CallLogEntry[]>('GET', '/api/cameras/camera/calls?limit=500')).find((e) => e.callId === callId);
  findings.record('outcome after restart', entry?.outcome ?? 'none');
  findings.record('ended', String(entry?.endedAt !== null && entry?.endedAt !== undefined));
  findings.expectThat(entry !== undefined, 'the call cut by kill -9 is missing from GET /api/calls');
  findings.expectThat(entry?.endedAt != null && /restart/i.test(entry?.outcome ?? ''), `the call cut by kill -9 shows as ${entry?.endedAt == null ? 'in progress' : `ended "${entry.outcome}"`}, not ended "gateway restarted"`);
  return findings.result;
}

export async function rateLimitLogLines(target: GatewayTarget, o: { attacker: string; seconds: number; perSecond: number }): Promise<AttackResult> {
  const findings = new Findings();
  const peer = await UdpSipPeer.open(o.attacker);
  const linesAbout = () => target.logLines().filter((line) => JSON.stringify(line).includes(o.attacker) && /rate|drop/i.test(String(line.msg))).length;
  const before = linesAbout();
  let sent = 0;
  try {
    const end = Date.now() + o.seconds * 1000;
    while (Date.now() < end) {
      for (let i = 0; i < o.perSecond / 20; i++) {
        peer.request('OPTIONS', target.sipUri, target.sipPort, { user: 'flood' });
        sent++;
      }
      await pause(50);
    }
    await pause(500);
  } finally {
    peer.close();
  }
  const lines = linesAbout() - before;
  const allowed = 1 + Math.ceil(o.seconds / 10);
  const answered = peer.messages.filter((m) => m.status === 200).length;
  findings.record('requests sent', sent);
  findings.record('answered', answered);
  findings.record('dropped', sent - answered);
  findings.record('log lines about the drops', lines);
  findings.expectThat(sent - answered > 0, 'nothing was rate limited: the flood was too slow to test the log');
  findings.expectThat(lines <= allowed, `${lines} log lines for one ${o.seconds} s burst of rate-limit drops, not about one (at most ${allowed})`);
  return findings.result;
}
