/**
 * Hostile and broken input during a live call (RFC 4475 spirit): garbage, truncated
 * messages, a wrong Content-Length and missing mandatory headers, over UDP and TCP.
 * Each gets a 400 or silence, and the call in progress goes on: it still answers a
 * re-INVITE on its dialog and ends cleanly with BYE.
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Baresip } from '../support/baresip.ts';
import { pcmuAnswer, startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

const CRLF = '\r\n';

/** Sends one datagram and collects what comes back within `waitMs`. */
async function udpExchange(socket: Socket, port: number, data: string, waitMs = 300): Promise<string[]> {
  const replies: string[] = [];
  const onMessage = (m: Buffer) => replies.push(m.toString());
  socket.on('message', onMessage);
  socket.send(data, port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, waitMs));
  socket.off('message', onMessage);
  return replies;
}

/** Writes bytes on a fresh TCP connection and collects what comes back within `waitMs`. */
function tcpExchange(port: number, data: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(data));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, waitMs);
  });
}

function request(port: number, lines: string[], body = '', contentLength = Buffer.byteLength(body)): string {
  return [...lines, `Content-Length: ${contentLength}`, '', body].join(CRLF);
}

const options = (port: number, extra: string[] = [], drop: string[] = []) =>
  [
    'OPTIONS sip:camera@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-junk-${Math.random().toString(36).slice(2)};rport`,
    'Max-Forwards: 70',
    'From: <sip:junk@127.0.0.1>;tag=j1',
    'To: <sip:camera@127.0.0.1>',
    `Call-ID: junk-${Math.random().toString(36).slice(2)}`,
    'CSeq: 1 OPTIONS',
    ...extra,
  ].filter((line) => !drop.some((name) => line.startsWith(`${name}:`)));

const statusOf = (reply: string | undefined) => reply?.match(/^SIP\/2\.0 (\d{3})/)?.[1];

describe('broken input during a live call', () => {
  let fx: SipFixture;
  let phone: Baresip;
  let raw: Socket;

  beforeEach(async () => {
    fx = await startSipFixture();
    phone = await Baresip.start();
    raw = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    raw.close();
    await phone.close();
    await fx.close();
  });

  it('answers 400 or stays silent, and the call still takes a re-INVITE and a BYE', async () => {
    await phone.dial(`sip:camera@127.0.0.1:${fx.udpPort}`);
    const record = await fx.nextCall();
    await record.established;
    const rawPort = raw.address().port;

    // Pure garbage and binary noise: silence.
    expect(await udpExchange(raw, fx.udpPort, '\x00\x01\x02 hello there \xff\xfe')).toEqual([]);
    expect(await tcpExchange(fx.tcpPort, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).not.toMatch(/^SIP\/2\.0 2/);
    // Truncated: the header section never ends.
    const truncated = await udpExchange(raw, fx.udpPort, options(rawPort).join(CRLF).slice(0, 120));
    expect(truncated.every((r) => statusOf(r) === '400')).toBe(true);
    // Content-Length larger than the datagram's body.
    const tooLong = await udpExchange(raw, fx.udpPort, request(rawPort, options(rawPort, ['Content-Type: text/plain']), 'abc', 500));
    expect(tooLong.map(statusOf)).toEqual(['400']);
    // Missing Call-ID, missing CSeq: 400 when it can be addressed, else silence.
    for (const missing of ['Call-ID', 'CSeq']) {
      const replies = await udpExchange(raw, fx.udpPort, request(rawPort, options(rawPort, [], [missing])));
      expect(replies.every((r) => statusOf(r) === '400')).toBe(true);
    }
    // Over TCP, a message without Content-Length (mandatory on streams, RFC 3261 §18.3).
    const noLength = await tcpExchange(fx.tcpPort, [...options(rawPort).map((l) => l.replace('SIP/2.0/UDP', 'SIP/2.0/TCP')), '', ''].join(CRLF));
    expect(['400', undefined]).toContain(statusOf(noLength));

    // The call goes on: a re-INVITE (hold) on its dialog is offered to the TU and answered.
    const dialog = record.call.dialog!;
    record.call.on('offer', (_, respond) => respond(pcmuAnswer(fx.mediaPort, 2)));
    const reinvite = request(
      rawPort,
      [
        `INVITE ${dialog.localContact.uri.toString()} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${rawPort};branch=z9hG4bK-reinvite;rport`,
        'Max-Forwards: 70',
        `From: <${dialog.remoteUri.toString()}>;tag=${dialog.id.remoteTag}`,
        `To: <${dialog.localUri.toString()}>;tag=${dialog.id.localTag}`,
        `Call-ID: ${dialog.id.callId}`,
        `CSeq: ${dialog.remoteSeq + 1} INVITE`,
        `Contact: <${dialog.remoteTarget.toString()}>`,
        'Content-Type: application/sdp',
      ],
      pcmuAnswer(4000).replace('sendrecv', 'sendonly'),
    );
    const answered = await udpExchange(raw, fx.udpPort, reinvite);
    expect(answered.map(statusOf)).toContain('200');
    expect(answered.find((r) => statusOf(r) === '200')).toContain('o=camgate 1 2 IN IP4');
    raw.send(
      request(rawPort, [
        `ACK ${dialog.localContact.uri.toString()} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${rawPort};branch=z9hG4bK-reinvite-ack;rport`,
        'Max-Forwards: 70',
        `From: <${dialog.remoteUri.toString()}>;tag=${dialog.id.remoteTag}`,
        `To: <${dialog.localUri.toString()}>;tag=${dialog.id.localTag}`,
        `Call-ID: ${dialog.id.callId}`,
        `CSeq: ${dialog.remoteSeq} ACK`,
      ]),
      fx.udpPort,
      '127.0.0.1',
    );

    // And the dialog still ends properly: our BYE reaches baresip. (baresip cannot hang up
    // itself here: the injected re-INVITE used up the CSeq its BYE would carry.)
    await record.call.hangup();
    expect(await record.ended).toBe('local-bye');
    await phone.waitForEvent('CALL_CLOSED');
  });
});
