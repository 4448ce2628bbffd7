/**
 * RFC 4475 on the wire: every torture message, byte for byte, to a running SipStack over
 * UDP, and over TCP those the RFC sends over a stream (a TCP top Via, and dblreq, whose
 * two requests are one datagram's worth but two messages on a stream). Each must get the
 * answer the RFC asks for: accepted (a call reaches the TU; OPTIONS 200), the UAS's
 * method answer (405/501), 4xx for what is wrong (400, 416, 420, 415, 406), 505 for
 * SIP/7.0, and silence for stray responses.
 *
 * Over UDP the transaction layer answers where RFC 3261 18.2.2 says: `received` (our
 * loopback alias) and the Via's port, 5060 unless it names one, so the test listens on
 * those; the transport's stateless 400s go straight back to the sending socket.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

const FIXTURES = new URL('../fixtures/rfc4475/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`${name}.dat`, FIXTURES));

/** What the RFC asks of an endpoint for each message: a final status, a call for the TU (answered 486 here), or silence. */
type Expected = number | 'call' | 'silence';

const EXPECTED: Record<string, Expected> = {
  // 3.1.1 valid messages: "a parser must accept"; then the UAS answers as for any such request.
  wsinv: 481, // in-dialog (To tag) INVITE for a dialog we do not have
  intmeth: 501,
  esc01: 'call',
  esc02: 501, // RE%47IST%45R is not REGISTER
  escnull: 405,
  lwsdisp: 200,
  longreq: 'call',
  dblreq: 405, // the REGISTER; the INVITE after its Content-Length is not part of the datagram
  semiuri: 200,
  transports: 200,
  mpart01: 405,
  unreason: 'silence', // responses matching no transaction
  noreason: 'silence',
  // 3.1.2 invalid messages: "should respond with a 400 Bad Request", 505 for the version.
  badinv01: 400,
  clerr: 400,
  scalar02: 400,
  scalarlg: 'silence', // a response: never answered
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  baddate: 400,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 400,
  bigcode: 'silence',
  ncl: 400,
  // 3.2.1: a bare magic cookie is an RFC 2543-style branch; the request is still served.
  badbranch: 200,
  // 3.3 application layer semantics.
  insuf: 400,
  unkscm: 416,
  novelsc: 416,
  unksm2: 405,
  bext01: 420,
  invut: 415,
  regaut01: 405, // we are not a registrar
  multi01: 400,
  mcl01: 400,
  bcast: 'silence',
  zeromf: 200, // "an endpoint ... should process the request as if Max-Forwards were still positive"
  cparam01: 405,
  cparam02: 405,
  regescrt: 405,
  sdp01: 406,
  // 3.4.1: RFC 2543 syntax, "should be accepted".
  inv2543: 'call',
};

/** Sent over TCP as well: a TCP top Via, and dblreq (two messages on a stream, both answered). */
const OVER_TCP: Record<string, Expected[]> = {
  esc02: [501],
  intmeth: [501],
  longreq: ['call'],
  novelsc: [416],
  regaut01: [405],
  scalar02: [400],
  trws: [400],
  unkscm: [416],
  scalarlg: ['silence'],
  dblreq: [405, 400], // the INVITE has no Contact (RFC 3261 8.1.1.8)
};

/** Ports the fixtures' Vias name (5060 by default, 5061 for TLS). */
const VIA_PORTS = [5060, 5061, 5050, 5070];
/** How long silence must last to count as silence. */
const QUIET_MS = 400;

interface Reply {
  status: number;
  callId: string | undefined;
}

function callIdOf(text: string): string | undefined {
  return /^(?:call-id|i)[ \t]*:[ \t]*(\S*)/im.exec(text)?.[1];
}

function replyOf(data: Buffer): Reply | undefined {
  const text = data.toString('latin1');
  const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
  return status ? { status: Number(status), callId: callIdOf(text) } : undefined;
}

/** Binds `port` on a loopback alias nobody else uses (port 5060 of 127.0.0.1 may be a gateway's). */
async function bindOn(address: string, port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  return socket;
}

async function loopbackAlias(): Promise<{ address: string; sockets: Socket[] }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const address = `127.44.75.${2 + Math.floor(Math.random() * 250)}`;
    const sockets: Socket[] = [];
    try {
      for (const port of VIA_PORTS) sockets.push(await bindOn(address, port));
      return { address, sockets };
    } catch {
      for (const socket of sockets) socket.close();
    }
  }
  throw new Error(`cannot bind UDP ${VIA_PORTS.join('/')} on a 127.44.75.x address: is something bound to 0.0.0.0 on those ports?`);
}

describe('RFC 4475 torture messages against a running SipStack', () => {
  let stack: SipFixture;
  let alias: { address: string; sockets: Socket[] };
  let sender: Socket;
  const replies: Reply[] = [];

  // A fresh stack per message: several fixtures share a branch and sent-by (cparam01/02,
  // unkscm/novelsc), which one stack would rightly take for a retransmission.
  beforeEach(async () => {
    // Short T1: declined INVITEs stop retransmitting 486 (Timer H) within a second.
    stack = await startSipFixture({ answer: 'manual', stack: { timers: { T1: 20 } } });
    stack.sip.on('invite', (call) => queueMicrotask(() => call.reject(486, 'Busy Here')));
  });

  afterEach(() => stack.close());

  beforeAll(async () => {
    alias = await loopbackAlias();
    sender = await bindOn(alias.address, 0);
    for (const socket of [...alias.sockets, sender]) {
      socket.on('message', (data: Buffer) => {
        const reply = replyOf(data);
        if (reply) replies.push(reply);
      });
    }
  });

  afterAll(() => {
    for (const socket of [...(alias?.sockets ?? []), sender]) socket?.close();
  });

  it('covers every fixture', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4));
    expect(Object.keys(EXPECTED).sort()).toEqual(files.sort());
  });

  /** The final statuses answering `raw`'s requests (matched by Call-ID), once settled; retransmissions count once. */
  async function finalAnswers(collected: () => Reply[], raw: string, expected: Expected[]): Promise<number[]> {
    const wanted = expected.filter((e) => e !== 'silence').length;
    const callIds = new Set([...raw.matchAll(/^(?:call-id|i)[ \t]*:[ \t]*(\S*)/gim)].map((m) => m[1]));
    const finals = () => collected().filter((r) => r.status >= 200 && (callIds.size === 0 ? r.callId === undefined : callIds.has(r.callId)));
    const deadline = Date.now() + 10_000;
    while (new Set(finals().map((r) => r.callId)).size < wanted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, wanted === 0 ? QUIET_MS : 50));
    const first = new Map<string | undefined, number>();
    for (const r of finals()) if (!first.has(r.callId)) first.set(r.callId, r.status);
    return [...first.values()];
  }

  const statusOf = (e: Expected) => (e === 'call' ? 486 : e);

  it.each(Object.entries(EXPECTED))('over UDP, %s is answered %s', async (name, expected) => {
    const raw = fixture(name);
    const callsBefore = stack.calls.length;
    const from = replies.length;
    sender.send(raw, stack.udpPort, '127.0.0.1');
    const finals = await finalAnswers(() => replies.slice(from), raw.toString('latin1'), [expected]);
    expect(finals).toEqual(expected === 'silence' ? [] : [statusOf(expected)]);
    expect(stack.calls.length - callsBefore).toBe(expected === 'call' ? 1 : 0);
  });

  it.each(Object.entries(OVER_TCP))('over TCP, %s is answered %j on its connection', async (name, expected) => {
    const raw = fixture(name);
    const callsBefore = stack.calls.length;
    const received: Reply[] = [];
    let buffered = '';
    const socket = connect({ host: '127.0.0.1', port: stack.tcpPort, localAddress: alias.address });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end + 4);
        const length = Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) break;
        const reply = replyOf(Buffer.from(head, 'latin1'));
        if (reply) received.push(reply);
        buffered = buffered.slice(end + 4 + length);
      }
    });
    try {
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(raw);
      const finals = await finalAnswers(() => received, raw.toString('latin1'), expected);
      expect(finals).toEqual(expected.filter((e) => e !== 'silence').map(statusOf));
      expect(stack.calls.length - callsBefore).toBe(expected.filter((e) => e === 'call').length);
    } finally {
      socket.destroy();
    }
  });
});
