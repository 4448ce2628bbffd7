/**
 * Mutated SIP against a running stack with a live call: thousands of messages derived from
 * valid ones (a header dropped, doubled or given a hostile value; bytes flipped) over UDP,
 * TCP (also right behind a valid request in one segment) and WebSocket, in and out of the
 * call's dialog. The parser tests prove the parser never throws;
 * this proves what it accepts never makes the transaction layer, the user agent, the dialog
 * or the call throw: no error-level log line, no "TU failed", no unhandled rejection. And
 * afterwards the stack still answers, and every call the mutants started ends by itself.
 */
import { once } from 'node:events';
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { parseMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { pcmuAnswer, startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

const CRLF = '\r\n';

/** Deterministic, so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_VALUES = [
  '', ' ', '<', '>', '<sip:>', '"', '"unterminated <sip:a@b>', 'sip:a@b;tag=', ';;;', ',', ',,', '*', 'a,b',
  'SIP/2.0/UDP', 'SIP/2.0/UDP 127.0.0.1:0;branch=z9hG4bK1', 'SIP/2.0/UDP 127.0.0.1;rport=99999;received=x',
  '4294967296 INVITE', '0 ACK', '-1 BYE', '1 FOO', '99999999999', '1e9', 'NaN', '\u0000', 'é', '%', '%zz',
  'sip:[::1', 'tel:+1;x=', 'sip:a@[::1]:99999', '<sip:a@b>;expires=1e309', 'Digest', 'Digest realm=', 'x'.repeat(3000),
  'application/sdp', 'application/dtmf-relay', 'multipart/mixed;boundary=', '100rel', 'timer', 'sip:a@b.invalid;transport=ws',
];
const HEADER_NAMES = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Route', 'Record-Route', 'Max-Forwards', 'Content-Type', 'Require', 'Supported', 'Expires', 'Authorization', 'Proxy-Authorization', 'Event', 'Content-Length', 'v', 'f', 't', 'i', 'm', 'l', 'k'];

function mutate(template: string, random: () => number): Buffer {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const [head, body = ''] = template.split(CRLF + CRLF);
  const lines = head!.split(CRLF);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = 1 + Math.floor(random() * (lines.length - 1));
    switch (Math.floor(random() * 5)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, lines[at]!);
        break;
      case 2:
        lines[at] = `${lines[at]!.split(':')[0]}: ${pick(HOSTILE_VALUES)}`;
        break;
      case 3:
        lines.splice(at, 0, `${pick(HEADER_NAMES)}: ${pick(HOSTILE_VALUES)}`);
        break;
      default:
        lines[0] = lines[0]!.replace(/^\S+/, pick(['INVITE', 'ACK', 'BYE', 'CANCEL', 'INFO', 'UPDATE', 'OPTIONS', 'PRACK', 'REGISTER', 'X', 'SIP/2.0']));
    }
  }
  const data = Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}${body}`);
  if (random() < 0.3) data[Math.floor(random() * data.length)] = Math.floor(random() * 256);
  return data;
}

describe('mutated SIP against a stack with a live call', () => {
  let fx: SipFixture | undefined;
  const sockets: (Socket | TcpSocket)[] = [];
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    for (const socket of sockets.splice(0)) {
      if ('destroy' in socket) socket.destroy();
      else socket.close();
    }
    await fx?.close();
  });

  it('never throws above the parser, keeps answering, and lets every call end', async () => {
    const logged: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) });
    // Short timers: calls the mutants start and never ACK end after 64*T1 = 3.2 s.
    fx = await startSipFixture({ softphones: { alice: 'secret' }, stack: { logger, timers: { T1: 50 } } });
    const raw = createSocket('udp4');
    sockets.push(raw);
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
    const me = `127.0.0.1:${raw.address().port}`;
    const responses: SipResponse[] = [];
    raw.on('message', (data: Buffer) => {
      const parsed = parseMessage(data);
      if (parsed.ok && !parsed.message.isRequest()) responses.push(parsed.message);
    });
    const send = (data: Buffer | string) => raw.send(data, fx!.udpPort, '127.0.0.1');

    // A live call: INVITE, 200 (the fixture answers), ACK.
    const sdp = pcmuAnswer(4000);
    const base = (method: string, cseq: number, extra: string[] = [], toTag = '') =>
      [
        `${method} sip:camera@127.0.0.1:${fx!.udpPort} SIP/2.0`,
        `Via: SIP/2.0/UDP ${me};branch=z9hG4bK-${method}-${cseq}-${Math.random().toString(36).slice(2)};rport`,
        'Max-Forwards: 70',
        `From: "Fuzz" <sip:fuzz@127.0.0.1>;tag=fuzz1`,
        `To: <sip:camera@127.0.0.1>${toTag && `;tag=${toTag}`}`,
        'Call-ID: fuzz-call@127.0.0.1',
        `CSeq: ${cseq} ${method}`,
        `Contact: <sip:fuzz@${me}>`,
        ...extra,
      ].join(CRLF);
    const withBody = (head: string, type: string, body: string) => `${head}${CRLF}Content-Type: ${type}${CRLF}Content-Length: ${Buffer.byteLength(body)}${CRLF}${CRLF}${body}`;
    const noBody = (head: string) => `${head}${CRLF}Content-Length: 0${CRLF}${CRLF}`;

    const answered = once(raw, 'message'); // 100 Trying first; the 200 follows
    send(withBody(base('INVITE', 1), 'application/sdp', sdp));
    await answered;
    const record = await fx.nextCall(); // answered by the fixture as it arrived
    const toTag = record.call.dialog!.id.localTag;
    send(noBody(base('ACK', 1, [], toTag)));
    await record.established;
    record.call.on('offer', (_, respond) => respond(pcmuAnswer(fx!.mediaPort, 2)));

    const inDialog = [
      withBody(base('INFO', 2, [], toTag), 'application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'),
      noBody(base('OPTIONS', 3, [], toTag)),
      withBody(base('UPDATE', 4, [], toTag), 'application/sdp', sdp),
      withBody(base('INVITE', 5, ['Route: <sip:127.0.0.1;lr>'], toTag), 'application/sdp', sdp),
      noBody(base('ACK', 5, [], toTag)),
      noBody(base('CANCEL', 5, [], toTag)),
    ];
    const outOfDialog = [
      withBody(base('INVITE', 1).replace('fuzz-call', 'fuzz-new'), 'application/sdp', sdp),
      noBody(base('OPTIONS', 1).replace('fuzz-call', 'fuzz-opt')),
      noBody(base('REGISTER', 1).replace('fuzz-call', 'fuzz-reg')),
      noBody(base('BYE', 9, [], 'no-such-dialog')),
      noBody(base('CANCEL', 1).replace('fuzz-call', 'fuzz-new')),
      // Stray responses, as if to requests we sent.
      noBody(`SIP/2.0 200 OK${CRLF}${base('BYE', 1, [], toTag).split(CRLF).slice(1).join(CRLF)}`),
      noBody(`SIP/2.0 401 Unauthorized${CRLF}WWW-Authenticate: Digest realm="x", nonce="y"${CRLF}${base('REGISTER', 1).split(CRLF).slice(1).join(CRLF)}`),
    ];
    const templates = [...inDialog, ...outOfDialog];

    /** Template `i`, made a new transaction (branch), a new call (Call-ID) or the next in-dialog request (CSeq). */
    const fresh = (i: number) =>
      templates[i % templates.length]!
        .replace(/branch=[^;\r\n]+/, `branch=z9hG4bK-m${i}`)
        .replace(/^CSeq: \d+ (?!ACK|CANCEL)/m, `CSeq: ${10 + i} `)
        .replaceAll('fuzz-new', `fuzz-new-${i}`);
    const random = prng(4475);
    for (let i = 0; i < 3000; i++) {
      send(mutate(fresh(i), random));
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5)); // let the stack keep up
    }

    // The same over TCP, reconnecting whenever framing is lost and the stack closes the connection.
    let tcp: TcpSocket | undefined;
    for (let i = 0; i < 600; i++) {
      if (!tcp || tcp.destroyed) {
        tcp = connect({ host: '127.0.0.1', port: fx.tcpPort });
        tcp.on('error', () => undefined);
        sockets.push(tcp);
        await once(tcp, 'connect');
      }
      tcp.write(mutate(fresh(3000 + i).replaceAll('SIP/2.0/UDP', 'SIP/2.0/TCP'), random));
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5));
    }

    // A valid request and a mutant in one TCP segment: the valid one is still answered. (From
    // another address: 127.0.0.1 is over its transaction quota by now, and gets 503s.)
    for (let i = 0; i < 100; i++) {
      const segment = connect({ host: '127.0.0.1', port: fx.tcpPort, localAddress: '127.0.0.3' });
      segment.on('error', () => undefined);
      sockets.push(segment);
      await once(segment, 'connect');
      const answer = once(segment, 'data', { signal: AbortSignal.timeout(10_000) });
      const valid = noBody(base('OPTIONS', 1).replace('fuzz-call', `seg-${i}`).replace(/branch=[^;\r\n]+/, `branch=z9hG4bK-seg${i}`)).replaceAll('SIP/2.0/UDP', 'SIP/2.0/TCP');
      segment.write(Buffer.concat([Buffer.from(valid), mutate(fresh(4000 + i), random)]));
      const [first] = (await answer) as [Buffer];
      expect(first.toString()).toMatch(/^SIP\/2\.0 200 /);
      segment.destroy();
    }

    // And over WebSocket, one message per frame (RFC 7118), reconnecting when the stack drops it.
    let ws: WebSocket | undefined;
    for (let i = 0; i < 600; i++) {
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        ws = new WebSocket(fx.wsUrl!, ['sip']);
        ws.on('error', () => undefined);
        const opened = ws;
        closers.push(() => opened.terminate());
        await once(ws, 'open');
      }
      const frame = mutate(fresh(5000 + i).replaceAll('SIP/2.0/UDP', 'SIP/2.0/WS'), random);
      ws.send(frame, { binary: random() < 0.5 });
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5));
    }

    // Still answering: an OPTIONS from a fresh source gets its 200, however many the flood's source holds.
    const probe = createSocket('udp4');
    sockets.push(probe);
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.2', resolve));
    const probeAnswer = once(probe, 'message', { signal: AbortSignal.timeout(10_000) });
    probe.send(
      noBody(base('OPTIONS', 1).replace('fuzz-call', 'probe').replaceAll(me, `127.0.0.2:${probe.address().port}`)),
      fx.udpPort,
      '127.0.0.1',
    );
    const [reply] = (await probeAnswer) as [Buffer];
    expect(reply.toString()).toMatch(/^SIP\/2\.0 200 /);

    // Every call the mutants started ends (no ACK: BYE after 64*T1; or a CANCEL, or an error).
    await record.call.hangup();
    await fx.waitForStats((s) => s.calls === 0 && s.dialogs === 0, 30_000);

    expect(fx.calls.length).toBeGreaterThan(1); // some mutants were valid new calls
    const failures = logged.filter((line) => line.level >= 50 || line.msg === 'TU failed on request');
    expect(failures).toEqual([]);
  }, 90_000);
});
