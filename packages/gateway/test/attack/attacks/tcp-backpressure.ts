/**
 * Issue #9, "memory": TCP clients that never read their responses (a paused socket, so the
 * window closes) send many OPTIONS; every answer the gateway cannot deliver must not pile
 * up in its memory. And no connection is ever dialled back to the address a client's Via
 * names (a caller must not make the gateway connect anywhere).
 */
import { createServer, type Server } from 'node:net';
import { Findings, type AttackResult } from '../support/result.ts';
import { pause } from '../support/serving.ts';
import { newId, sdpOffer, sipRequest, TcpSipPeer } from '../support/sip.ts';
import type { GatewayTarget } from '../support/target.ts';

/** Requests per source: under the per-source burst (100) of the rate limit. */
const PER_SOURCE_BURST = 90;

/** A TCP listener on `address` that counts the connections it is offered (a dial-back detector). */
async function dialBackDetector(address: string): Promise<{ server: Server; port: number; dialled: () => number }> {
  let dialled = 0;
  const server = createServer((socket) => {
    dialled++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { server, port: (server.address() as { port: number }).port, dialled: () => dialled };
}

/**
 * An OPTIONS whose answer is about `size` bytes: the From display name is echoed back (RFC
 * 3261 8.2.6.2). ~30 KB: big enough to fill a paused reader's window at once, small enough
 * that the gateway's parsing garbage stays in V8's young generation (RSS measures retention).
 */
function fatOptions(target: GatewayTarget, from: string, viaPort: number, size: number): string {
  return sipRequest({
    method: 'OPTIONS', uri: target.sipUri, transport: 'TCP', viaHost: from, viaPort, rport: false, from: `sip:reader@${from}`,
    headers: [['Subject', 'x'.repeat(8)]],
  }).replace(/^From: </m, `From: "${'A'.repeat(size)}" <`);
}

export async function clientsThatNeverRead(target: GatewayTarget, o: { sources: string[]; rounds: number; answerBytes: number; rssGrowthBoundMb: number }): Promise<AttackResult> {
  const findings = new Findings();
  const before = target.rssMb();
  const detectors = await Promise.all(o.sources.map(dialBackDetector));
  const peers = await Promise.all(o.sources.map((address) => TcpSipPeer.connect(address, target.sipPort)));
  for (const peer of peers) peer.socket.pause(); // never read: the receive window closes
  let peakRss = before;
  const sampleRss = () => {
    if (target.alive) peakRss = Math.max(peakRss, target.rssMb());
  };
  let sent = 0;
  for (let round = 0; round < o.rounds; round++) {
    // One burst per source per round, then let the bucket refill (50/s) so nothing is rate-limited.
    peers.forEach((peer, i) => {
      const request = fatOptions(target, o.sources[i]!, detectors[i]!.port, o.answerBytes);
      for (let n = 0; n < PER_SOURCE_BURST; n++) peer.send(request);
      sent += PER_SOURCE_BURST;
    });
    for (let tick = 0; tick < 8; tick++) {
      await pause(250);
      sampleRss();
    }
  }
  // The gateway may still be working through the requests: watch until its memory settles.
  for (let settled = 0, tick = 0; settled < 3 && tick < 20; tick++) {
    const previous = peakRss;
    await pause(500);
    sampleRss();
    settled = peakRss - previous < 2 ? settled + 1 : 0;
  }
  for (const peer of peers) peer.close();
  await pause(1500); // a gateway that dials back on a closed connection does it now
  const dialled = detectors.reduce((sum, d) => sum + d.dialled(), 0);
  for (const d of detectors) d.server.close();
  findings.record('sources', o.sources.length);
  findings.record('requests sent', sent);
  findings.record('MB of answers asked for', (sent * o.answerBytes) / 1e6);
  findings.record('RSS before (MB)', before);
  findings.record('RSS peak (MB)', peakRss);
  findings.record('connections dialled back', dialled);
  findings.expectThat(target.alive, 'the gateway died while clients did not read');
  findings.expectThat(peakRss - before <= o.rssGrowthBoundMb, `RSS grew by ${(peakRss - before).toFixed(0)} MB (bound ${o.rssGrowthBoundMb} MB) holding answers nobody reads`);
  findings.expectThat(dialled === 0, `the gateway dialled ${dialled} connections back to the clients' Via addresses`);
  return findings.result;
}

/**
 * INVITEs over TCP whose connection closes at once: the final answer must not be delivered
 * by dialling the Via's port on the client's address (no rport, so RFC 3261 18.2.2 would).
 */
export async function closedConnectionNoDialBack(target: GatewayTarget, o: { sources: string[] }): Promise<AttackResult> {
  const findings = new Findings();
  const detectors = await Promise.all(o.sources.map(dialBackDetector));
  await Promise.all(
    o.sources.map(async (address, i) => {
      const peer = await TcpSipPeer.connect(address, target.sipPort);
      const port = detectors[i]!.port;
      peer.send(sipRequest({
        method: 'INVITE', uri: target.sipUri, transport: 'TCP', viaHost: address, viaPort: port, rport: false, from: `sip:leaver@${address}`, callId: newId(),
        contact: `sip:leaver@${address}:${port};transport=tcp`, body: sdpOffer(address, 40_000),
      }));
      await pause(20);
      peer.close();
    }),
  );
  await pause(3000);
  const dialled = detectors.reduce((sum, d) => sum + d.dialled(), 0);
  for (const d of detectors) d.server.close();
  findings.record('connections dialled back', dialled);
  findings.expectThat(dialled === 0, `the gateway dialled ${dialled} connections to the Via of clients that had hung up`);
  return findings.result;
}
