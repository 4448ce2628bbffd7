/**
 * Issue #12: two gateway nodes behind Kamailio (deploy/kamailio/kamailio.cfg as shipped,
 * round robin): a phone calls the proxy's one address, each call is answered by a node,
 * the caller hears the welcome and `1#` opens the door of the node that answered, and of
 * that node only. RTP flows straight between the phone and the node.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../support/baresip.ts';
import { applySettings, CALLER_A, doorOpen, liveCalls, NODE_A, NODE_B, PROXY_HOST, proxiedCameraUri, startNode, type ClusterNode } from '../support/cluster.ts';
import { eventually } from '../support/gateway.ts';
import { Kamailio } from '../support/kamailio.ts';
import { rms, wavBlocks } from '../support/tone.ts';

describe('two gateway nodes behind the Kamailio dispatcher', () => {
  let nodes: ClusterNode[] = [];
  let proxy: Kamailio;
  let recordDir: string;

  beforeAll(async () => {
    recordDir = await mkdtemp(join(tmpdir(), 'camgate-cluster-'));
    nodes = [await startNode(NODE_A, { trustedProxy: PROXY_HOST }), await startNode(NODE_B, { trustedProxy: PROXY_HOST })];
    for (const node of nodes) await applySettings(node, { pin: '', acceptedCallers: [], audioMode: 'none' });
    proxy = await Kamailio.dispatcher({ host: PROXY_HOST, nodes: nodes.map((n) => n.dispatcherUri), pingIntervalS: 1 });
  });
  afterAll(async () => {
    await proxy?.close();
    for (const node of nodes) await node.close();
    await rm(recordDir, { recursive: true, force: true });
  });

  it('answers calls to the proxy on both nodes; each caller hears the welcome and opens the door of its node', async () => {
    const answeredBy: string[] = [];
    for (let call = 0; call < 2; call++) {
      const phoneRecordDir = join(recordDir, String(call));
      await mkdir(phoneRecordDir);
      const phone = await Baresip.start({ host: CALLER_A, recordDir: phoneRecordDir });
      try {
        await phone.dial(proxiedCameraUri(proxy));
        await phone.waitForEvent('CALL_ESTABLISHED');
        const node = await eventually(async () => {
          for (const n of nodes) if ((await liveCalls(n)).length > 0) return n;
          return undefined;
        }, 10_000, 'the node with the call');
        answeredBy.push(node.host);
        const other = nodes.find((n) => n !== node)!;
        expect(await liveCalls(other)).toEqual([]);
        await eventually(async () => (await liveCalls(node))[0]?.phase === 'connected', 20_000, 'welcome said');
        await new Promise((resolve) => setTimeout(resolve, 3000)); // hear the welcome (a key would barge in)
        await phone.sendDtmf('1#');
        await eventually(() => doorOpen(node), 10_000, `door of ${node.host} open`);
        expect(await doorOpen(other)).toBe(false);
        await phone.hangup();
        await phone.waitForEvent('CALL_CLOSED');
        await eventually(async () => (await liveCalls(node)).length === 0, 10_000, 'call ended on the node');
      } finally {
        await phone.close();
      }
      const { received } = await phone.recordings();
      expect(received).toHaveLength(1);
      // The welcome (about 2 s of speech) reached the phone straight from the node.
      expect((await wavBlocks(received[0]!)).filter((b) => rms(b) > 0.01).length).toBeGreaterThan(10);
    }
    // Round robin: the two calls went to different nodes.
    expect(new Set(answeredBy)).toEqual(new Set([NODE_A, NODE_B]));
  }, 60_000);
});
