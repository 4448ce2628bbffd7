/**
 * Issue #9, "resources below the rate limit": attacks that stay under every per-source rate
 * limit and still take a shared resource (RTP ports, the transaction table, connection
 * slots, socket.io sockets) away from everybody else.
 */
import type { Socket as LiveSocket } from 'socket.io-client';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { connected, liveSocket } from '../support/live.ts';
import { Findings, type AttackResult } from '../support/result.ts';
import { applySettings, callAnswered, pause } from '../support/serving.ts';
import { newId, optionsAnswered, sdpOffer, sipRequest, TcpSipPeer, UdpSipPeer, WsSipPeer } from '../support/sip.ts';
import type { GatewayTarget } from '../support/target.ts';

/** INVITEs from one source, answered and never ACKed, hold calls (and RTP ports) for 32 s each. */
export async function unackedInvitesFromOneSource(target: GatewayTarget, o: { attacker: string; invites: number; caller: string }): Promise<AttackResult> {
  const findings = new Findings();
  await applySettings(target, { pin: '', acceptedCallers: [] });
  const attacker = await UdpSipPeer.open(o.attacker);
  try {
    for (let i = 0; i < o.invites; i++) {
      attacker.request('INVITE', target.sipUri, target.sipPort, { user: `hog${i}`, sdp: sdpOffer(o.attacker, 50_000 + 2 * i) });
      if (i % 20 === 19) await pause(500); // stay under 50 requests/s
    }
    await pause(2000);
    const answered = new Set(attacker.messages.filter((m) => m.method === 'INVITE' && m.status === 200).map((m) => m.callId)).size;
    const legit = await callAnswered(target, o.caller);
    findings.record('INVITEs sent (never ACKed)', o.invites);
    findings.record('of them answered 200', answered);
    findings.record('legitimate call', legit);
    findings.expectThat(legit === 'answered', `a phone calling from ${o.caller} while one source held unACKed calls: ${legit}`);
  } finally {
    attacker.close();
  }
  return findings.result;
}

/**
 * A few sources, each under the rate limit, send OPTIONS whose server transactions linger
 * (Timer J, 32 s over UDP) until the table is full; a newcomer must still be answered.
 */
export async function transactionTableFill(target: GatewayTarget, o: { sources: string[]; seconds: number; newcomer: string }): Promise<AttackResult> {
  const findings = new Findings();
  const peers = await Promise.all(o.sources.map((address) => UdpSipPeer.open(address)));
  let sent = 0;
  const send = (peer: UdpSipPeer, count: number) => {
    for (let n = 0; n < count; n++) {
      peer.request('OPTIONS', target.sipUri, target.sipPort, { user: 'filler' });
      sent++;
    }
  };
  try {
    for (const peer of peers) send(peer, 90); // the burst the bucket allows
    const end = Date.now() + o.seconds * 1000;
    for (let tick = 0; Date.now() < end; tick++) {
      await pause(100);
      for (const peer of peers) send(peer, tick % 2 ? 5 : 4); // 45 per second per source, under the 50/s rate
    }
    const newcomer = await optionsAnswered(target.sipPort, o.newcomer);
    const answers = peers.reduce((sum, p) => sum + p.messages.filter((m) => m.status === 200).length, 0);
    const unavailable = peers.reduce((sum, p) => sum + p.messages.filter((m) => m.status === 503).length, 0);
    findings.record('sources', o.sources.length);
    findings.record('OPTIONS sent', sent);
    findings.record('answered 200', answers);
    findings.record('answered 503', unavailable);
    findings.record('newcomer\'s OPTIONS', newcomer ?? 'no answer');
    findings.expectThat(newcomer === 200, `a newcomer's OPTIONS was answered ${newcomer ?? 'never'} while ${o.sources.length} sources filled the transaction table`);
  } finally {
    for (const peer of peers) peer.close();
  }
  return findings.result;
}

/** Opens `count` TCP connections from `attacker`, each with half a request, and holds them. */
async function halfSentRequests(target: GatewayTarget, attacker: string, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => new Promise<Socket | undefined>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: target.sipPort, localAddress: attacker }, () => {
        socket.write(`OPTIONS ${target.sipUri} SIP/2.0\r\nVia: SIP/2.0/TCP ${attacker}:5060;branch=z9hG4bK${newId()}\r\nFrom: <sip:slow@${attacker}>`);
        resolve(socket);
      });
      socket.on('error', () => resolve(undefined));
    }));
    for (const socket of await Promise.all(batch)) if (socket) sockets.push(socket);
  }
  return sockets;
}

/** Opens `count` SIP WebSocket connections from `attacker` that never say anything. */
async function idleWebSockets(target: GatewayTarget, attacker: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => new Promise<WebSocket | undefined>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${target.httpPort}/sip`, 'sip', { localAddress: attacker });
      ws.once('open', () => resolve(ws));
      ws.once('error', () => resolve(undefined));
      ws.once('unexpected-response', () => resolve(undefined));
    }));
    for (const ws of await Promise.all(batch)) if (ws) sockets.push(ws);
  }
  return sockets;
}

async function tcpOptionsAnswered(target: GatewayTarget, from: string): Promise<number | string> {
  const peer = await TcpSipPeer.connect(from, target.sipPort).catch(() => undefined);
  if (!peer) return 'connection refused';
  try {
    const callId = newId();
    peer.send(sipRequest({ method: 'OPTIONS', uri: target.sipUri, transport: 'TCP', viaHost: from, viaPort: peer.port, from: `sip:neighbour@${from}`, callId }));
    return (await peer.finalResponse(callId, 3000))?.status ?? 'no answer';
  } finally {
    peer.close();
  }
}

async function wsOptionsAnswered(target: GatewayTarget, from: string): Promise<number | string> {
  const peer = await WsSipPeer.connect(from, target.httpPort).catch((error: Error) => error.message);
  if (typeof peer === 'string') return peer;
  try {
    const callId = newId();
    peer.send(sipRequest({ method: 'OPTIONS', uri: target.sipUri, transport: 'WS', viaHost: 'attack.invalid', viaPort: 0, from: `sip:neighbour@${from}`, callId }));
    return (await peer.finalResponse(callId, 3000))?.status ?? 'no answer';
  } finally {
    peer.close();
  }
}

/** Half-sent TCP requests and idle WebSocket upgrades from one address; another address's clients must get in. */
export async function connectionSlotsFromOneAddress(target: GatewayTarget, o: { attacker: string; connections: number; neighbour: string }): Promise<AttackResult> {
  const findings = new Findings();
  const tcp = await halfSentRequests(target, o.attacker, o.connections);
  const ws = await idleWebSockets(target, o.attacker, o.connections);
  try {
    await pause(500);
    const tcpNeighbour = await tcpOptionsAnswered(target, o.neighbour);
    const wsNeighbour = await wsOptionsAnswered(target, o.neighbour);
    findings.record('half-sent TCP requests held open', tcp.filter((s) => !s.destroyed).length);
    findings.record('idle WebSockets held open', ws.filter((s) => s.readyState === WebSocket.OPEN).length);
    findings.record('neighbour over TCP', tcpNeighbour);
    findings.record('neighbour over WebSocket', wsNeighbour);
    findings.expectThat(tcpNeighbour === 200, `another address's TCP client got "${tcpNeighbour}" while one address held ${o.connections} half-sent requests`);
    findings.expectThat(wsNeighbour === 200, `another address's WebSocket client got "${wsNeighbour}" while one address held ${o.connections} idle upgrades`);
  } finally {
    for (const s of tcp) s.destroy();
    for (const s of ws) s.terminate();
  }
  return findings.result;
}

/** Thousands of anonymous socket.io connections from one address: refused beyond a cap; the admin still gets in. */
export async function anonymousLiveSockets(target: GatewayTarget, o: { attacker: string; sockets: number }): Promise<AttackResult> {
  const findings = new Findings();
  const sockets: LiveSocket[] = [];
  let accepted = 0;
  try {
    for (let i = 0; i < o.sockets; i += 100) {
      const batch = Array.from({ length: Math.min(100, o.sockets - i) }, () => liveSocket(target, o.attacker));
      sockets.push(...batch);
      accepted += (await Promise.all(batch.map(connected))).filter(Boolean).length;
    }
    const admin = liveSocket(target, '127.0.0.1', { cookie: target.adminCookie });
    sockets.push(admin);
    const status = new Promise<boolean>((resolve) => {
      admin.once('status', () => resolve(true));
      setTimeout(() => resolve(false), 10_000);
    });
    const adminConnected = await connected(admin);
    // The admin watches the default camera (its socket.io room), which answers with its status.
    if (adminConnected) admin.emit('camera:watch', 'camera', () => undefined);
    const adminIn = adminConnected && (await status);
    findings.record('anonymous sockets tried', o.sockets);
    findings.record('anonymous sockets accepted', accepted);
    findings.record('admin socket got its status', String(adminIn));
    findings.expectThat(accepted < o.sockets, `all ${o.sockets} anonymous socket.io connections from one address were accepted (no cap)`);
    findings.expectThat(adminIn, 'the admin\'s socket.io connection got no status while one address held anonymous ones');
  } finally {
    for (const socket of sockets) socket.close();
  }
  return findings.result;
}
