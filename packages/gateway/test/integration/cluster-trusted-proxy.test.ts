/**
 * Issue #12, `--sip-trusted-proxy`: behind a proxy the transport peer is not the caller.
 * Node T trusts its Kamailio, node U (the old behaviour) does not; each has its own
 * Kamailio (deploy/kamailio/kamailio.cfg) on 127.0.0.10. Through T's proxy, a burst of
 * requests is not throttled and wrong PINs lock out the caller who typed them, not every
 * caller behind the proxy; through U's they do (the proxy is the source). A
 * P-Asserted-Identity counts only when the trusted proxy brings it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lockout } from '@camgate/protocol';
import { Baresip } from '../support/baresip.ts';
import { applySettings, CALLER_A, CALLER_B, CALLER_C, liveCalls, NODE_A, NODE_B, PROXY_HOST, proxiedCameraUri, startNode, type ClusterNode } from '../support/cluster.ts';
import { eventually } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';
import { audioOffer, RawSipUdp } from '../support/raw-sip-udp.ts';

const PIN = '4711';
/** Callers behind the proxy, each within the rate of one address (Kamailio's pike and camgate's: 50/s, 100 at once)... */
const BURST_SOURCES = Array.from({ length: 6 }, (_, i) => `127.0.0.${20 + i}`);
const PER_SOURCE = 50;
/** ... together far above it, all at once. */
const BURST = BURST_SOURCES.length * PER_SOURCE;

interface Path {
  node: ClusterNode;
  proxy: Kamailio;
}

/** `perSource` OPTIONS from each of `sources` at once to the camera through `proxy`; the status of each (0: none within `timeoutMs`). */
async function optionsBurst(proxy: Kamailio, sources: string[], perSource: number, timeoutMs = 10_000): Promise<number[]> {
  const peers = await Promise.all(sources.map((source) => RawSipUdp.open(source, proxy.host)));
  try {
    const answers = peers.flatMap((peer) => Array.from({ length: perSource }, () => peer.options(proxy.port, timeoutMs).then((r) => r.status, () => 0)));
    return await Promise.all(answers);
  } finally {
    for (const peer of peers) peer.close();
  }
}

/** A baresip call from `host` through the proxy: 'answered', or the reason it closed. */
async function callOutcome(path: Path, host: string): Promise<string> {
  const phone = await Baresip.start({ host, aor: `sip:caller@${host}` });
  try {
    await phone.dial(proxiedCameraUri(path.proxy));
    return await Promise.race([
      phone.waitForEvent('CALL_ESTABLISHED').then(() => 'answered'),
      phone.waitForEvent('CALL_CLOSED').then((e) => e.param ?? 'closed'),
    ]);
  } finally {
    await phone.close();
    await eventually(async () => (await liveCalls(path.node)).length === 0, 10_000, 'call gone from the node');
  }
}

/** Calls from CALLER_A through the proxy typing `wrongPins` wrong PINs (three per call, as the IVR allows). */
async function guessPins(path: Path, wrongPins: number): Promise<void> {
  for (let left = wrongPins; left > 0; left -= 3) {
    const phone = await Baresip.start({ host: CALLER_A, aor: `sip:caller@${CALLER_A}` });
    try {
      await phone.dial(proxiedCameraUri(path.proxy));
      await phone.waitForEvent('CALL_ESTABLISHED');
      await eventually(async () => (await liveCalls(path.node))[0]?.phase === 'pin', 15_000, 'PIN prompt');
      await phone.sendDtmf('1#'.repeat(Math.min(3, left)));
      // The IVR hangs up after three wrong PINs, or at once when the lock-out engages.
      await phone.waitForEvent('CALL_CLOSED', 20_000);
    } finally {
      await phone.close();
    }
    await eventually(async () => (await liveCalls(path.node)).length === 0, 10_000, 'call gone from the node');
  }
}

describe('a trusted proxy in front of the gateway (--sip-trusted-proxy)', () => {
  let trusted: Path;
  let untrusted: Path;

  beforeAll(async () => {
    const t = await startNode(NODE_A, { trustedProxy: PROXY_HOST });
    const u = await startNode(NODE_B);
    for (const node of [t, u]) await applySettings(node, { pin: PIN, acceptedCallers: [], audioMode: 'none' });
    trusted = { node: t, proxy: await Kamailio.dispatcher({ host: PROXY_HOST, nodes: [t.dispatcherUri], pingIntervalS: 1 }) };
    untrusted = { node: u, proxy: await Kamailio.dispatcher({ host: PROXY_HOST, nodes: [u.dispatcherUri], pingIntervalS: 1 }) };
  });
  afterAll(async () => {
    for (const path of [trusted, untrusted]) {
      await path?.proxy.close();
      await path?.node.close();
    }
  });

  it('locks out the caller who typed five wrong PINs through the trusted proxy, not another caller behind it', async () => {
    // Both nodes at once: the contrast without the flag costs no extra time.
    await Promise.all([guessPins(trusted, 5), guessPins(untrusted, 5)]);

    const lockouts = (path: Path) => path.node.api<Lockout[]>('GET', '/api/lockouts');
    const trustedLabels = (await lockouts(trusted)).map((l) => l.label).join(' | ');
    expect(trustedLabels).toContain(CALLER_A);
    expect(trustedLabels).not.toContain(PROXY_HOST);
    expect(await callOutcome(trusted, CALLER_A)).toMatch(/403/);
    expect(await callOutcome(trusted, CALLER_B)).toBe('answered');

    // The old behaviour: the proxy is the source, so every caller behind it is locked out.
    expect((await lockouts(untrusted)).map((l) => l.label).join(' | ')).toContain(PROXY_HOST);
    expect(await callOutcome(untrusted, CALLER_B)).toMatch(/403/);
  }, 60_000);

  it('takes P-Asserted-Identity from the trusted proxy only, never from a caller directly', async () => {
    const owner = 'sip:owner@example.com';
    // RawSipUdp's From is sip:attacker@<its address>.
    const attacker = `sip:attacker@${CALLER_C}`;
    const offer = audioOffer(CALLER_C, 40000);

    await applySettings(trusted.node, { pin: '', acceptedCallers: [owner] });
    const direct = await RawSipUdp.open(CALLER_C, NODE_A);
    try {
      const answer = await direct.invite(trusted.node.sipPort, { sdp: offer, headers: [`P-Asserted-Identity: <${owner}>`] });
      expect(`${answer.status} ${answer.reason}`).toBe('403 Caller Not Accepted');
    } finally {
      direct.close();
    }

    // Through the proxy the asserted identity is the caller, whatever From says.
    await applySettings(trusted.node, { pin: '', acceptedCallers: [attacker] });
    const proxied = await RawSipUdp.open(CALLER_C, PROXY_HOST);
    try {
      const answer = await proxied.invite(trusted.proxy.port, { sdp: offer, headers: ['P-Asserted-Identity: <sip:stranger@example.com>'] });
      expect(`${answer.status} ${answer.reason}`).toBe('403 Caller Not Accepted');
    } finally {
      proxied.close();
    }
  }, 30_000);

  // Last: the node behind the untrusted proxy drops its requests, so Kamailio takes that node out for a while.
  it(`answers all of ${BURST} requests of ${BURST_SOURCES.length} callers sent at once through the trusted proxy; without the flag the proxy is rate limited`, async () => {
    const throughTrusted = await optionsBurst(trusted.proxy, BURST_SOURCES, PER_SOURCE);
    expect(throughTrusted.filter((status) => status !== 200)).toEqual([]);
    const throughUntrusted = await optionsBurst(untrusted.proxy, BURST_SOURCES, PER_SOURCE);
    expect(throughUntrusted.filter((status) => status !== 200).length).toBeGreaterThan(0);
  }, 40_000);

  it('still limits one flooding caller, at the proxy (pike), so the exemption opens no door for floods', async () => {
    const flood = await optionsBurst(trusted.proxy, [CALLER_C], BURST, 3000);
    expect(flood.filter((status) => status === 0).length).toBeGreaterThan(0);
    // The other callers behind the proxy are still served.
    expect(await optionsBurst(trusted.proxy, [BURST_SOURCES[0]!], 1)).toEqual([200]);
  }, 30_000);
});
