/**
 * Issue #12, failover: node A (a gateway process) and node B behind the Kamailio
 * dispatcher, probing every second. Node A is killed (SIGKILL, a power cut): once the
 * probing interval has passed, every new call is answered by B without Kamailio having to
 * try A first, and the call B had in progress goes on (its keys still open B's door).
 * Kamailio restarted keeps no call state to lose: that call still hangs up through the new
 * one. Node A started again rejoins: new calls reach it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTarget } from '../attack/support/target.ts';
import { Baresip } from '../support/baresip.ts';
import { applySettings, CALLER_A, CALLER_B, doorOpen, liveCalls, NODE_A, NODE_B, PROXY_HOST, proxiedCameraUri, startNode, type ClusterNode } from '../support/cluster.ts';
import { eventually } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';

const PING_INTERVAL_S = 1;
/** Kamailio's log line when a node did not answer a request (failure_route[FAILOVER]). */
const NODE_SKIPPED = /did not answer/;

describe('failover between gateway nodes behind the Kamailio dispatcher', () => {
  let nodeA: GatewayTarget;
  let nodeB: ClusterNode;
  let proxy: Kamailio;
  const phones: Baresip[] = [];

  beforeAll(async () => {
    nodeA = await GatewayTarget.start({
      flags: ['--sip-host', NODE_A, '--announced-ip', NODE_A, '--sip-trusted-proxy', PROXY_HOST, '--workers', '1', '--audio-threads', '1'],
    });
    nodeB = await startNode(NODE_B, { trustedProxy: PROXY_HOST });
    for (const node of [nodeA, nodeB]) await applySettings(node, { pin: '', acceptedCallers: [], audioMode: 'none' });
    proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: [`sip:${NODE_A}:${nodeA.sipPort}`, nodeB.dispatcherUri], pingIntervalS: PING_INTERVAL_S });
  });
  afterAll(async () => {
    for (const phone of phones) await phone.close();
    await proxy?.close();
    await nodeB?.close();
    await nodeA?.stop();
  });

  it('sends every new call to B once A is killed, B\'s call in progress goes on (across a Kamailio restart too), and A rejoins', async () => {
    // A call in progress on B (round robin: at most the second try lands there).
    const talking = await Baresip.start({ host: CALLER_A });
    phones.push(talking);
    for (let attempt = 0; (await liveCalls(nodeB)).length === 0; attempt++) {
      expect(attempt).toBeLessThan(2);
      await talking.dial(proxiedCameraUri(proxy));
      await talking.waitForEvent('CALL_ESTABLISHED');
      await eventually(async () => (await liveCalls(nodeA)).length + (await liveCalls(nodeB)).length === 1, 10_000, 'the call on a node');
      if ((await liveCalls(nodeA)).length === 1) {
        await talking.hangup();
        await talking.waitForEvent('CALL_CLOSED');
        await eventually(async () => (await liveCalls(nodeA)).length === 0, 10_000, 'call gone from A');
      }
    }

    const closed = () => talking.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const closedBefore = closed();
    await nodeA.killHard();
    const skippedBefore = proxy.process.output.split('\n').filter((line) => NODE_SKIPPED.test(line)).length;
    // The probing interval, and a margin for a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_S * 1000 + 2000));

    for (let call = 0; call < 3; call++) {
      const caller = await Baresip.start({ host: CALLER_B });
      phones.push(caller);
      await caller.dial(proxiedCameraUri(proxy));
      await caller.waitForEvent('CALL_ESTABLISHED');
      await eventually(async () => (await liveCalls(nodeB)).length === 2, 10_000, 'the new call on B');
      await caller.hangup();
      await caller.waitForEvent('CALL_CLOSED');
      await eventually(async () => (await liveCalls(nodeB)).length === 1, 10_000, 'the new call ended on B');
    }
    // The prober had taken A out: no new call waited for A to time out first.
    expect(proxy.process.output.split('\n').filter((line) => NODE_SKIPPED.test(line)).length).toBe(skippedBefore);

    expect(closed()).toBe(closedBefore);
    await talking.sendDtmf('1#');
    await eventually(() => doorOpen(nodeB), 10_000, 'door of B opened by the call in progress');

    // Kamailio restarted on the same address: the call's BYE follows its recorded route through the new one.
    const { host, port } = proxy;
    await proxy.close();
    proxy = await Kamailio.dispatcher({ host, port, nodes: [`sip:${NODE_A}:${nodeA.sipPort}`, nodeB.dispatcherUri], pingIntervalS: PING_INTERVAL_S });
    await talking.hangup();
    await talking.waitForEvent('CALL_CLOSED');
    await eventually(async () => (await liveCalls(nodeB)).length === 0, 10_000, 'B\'s call ended by the caller\'s BYE');

    // Node A back: the prober lets it rejoin, and round robin gives it new calls again.
    await nodeA.launch();
    await applySettings(nodeA, { pin: '', acceptedCallers: [], audioMode: 'none' });
    await eventually(async () => {
      const caller = await Baresip.start({ host: CALLER_B });
      try {
        await caller.dial(proxiedCameraUri(proxy));
        await caller.waitForEvent('CALL_ESTABLISHED');
        const onA = await eventually(async () => ((await liveCalls(nodeA)).length === 1 ? 'A' : (await liveCalls(nodeB)).length === 1 ? 'B' : undefined), 10_000, 'the call on a node');
        await caller.hangup();
        await caller.waitForEvent('CALL_CLOSED');
        return onA === 'A';
      } finally {
        await caller.close();
      }
    }, 15_000, 'a new call answered by node A again');
  }, 90_000);
});
