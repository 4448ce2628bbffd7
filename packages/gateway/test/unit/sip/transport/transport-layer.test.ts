import { once } from 'node:events';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server as HttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '../../../../src/sip/message/index.ts';
import { TransportLayer, type TransportLayerOptions } from '../../../../src/sip/transport/transport-layer.ts';
import { BURST_QUIET_MS } from '../../../../src/sip/transport/ingress-guard.ts';
import type { MessageSource } from '../../../../src/sip/transport/transport.ts';
import { capturingLogger } from '../../../support/log-capture.ts';

const LOCAL = '127.0.0.1';
/** Generous: CI machines are loaded. */
const POLL = { timeout: 10_000 };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function layer(options: Partial<TransportLayerOptions> = {}): Promise<TransportLayer> {
  const created = await TransportLayer.create({ udp: { host: LOCAL, port: 0 }, tcp: { host: LOCAL, port: 0 }, publicHost: LOCAL, ...options });
  cleanups.push(() => created.close());
  return created;
}

function options(branch: string, extra: string[] = [], via = `SIP/2.0/UDP 192.0.2.99:5070;branch=${branch};rport`): string {
  return [
    'OPTIONS sip:camera@127.0.0.1 SIP/2.0',
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:camera@127.0.0.1>',
    `Call-ID: ${branch}@test`,
    'CSeq: 1 OPTIONS',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

async function udpClient(host = LOCAL): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  cleanups.push(() => void socket.close());
  return socket;
}

function nextDatagram(socket: UdpSocket): Promise<SipResponse> {
  return once(socket, 'message').then(([data]) => {
    const result = parseMessage(data as Buffer);
    if (!result.ok || result.message.isRequest()) throw new Error('expected a response');
    return result.message;
  });
}

function nextRequest(transport: TransportLayer): Promise<[SipRequest, MessageSource]> {
  return transport.waitFor('request');
}

async function tcpClient(port: number): Promise<Socket> {
  const socket = connect({ host: LOCAL, port });
  await once(socket, 'connect');
  cleanups.push(() => void socket.destroy());
  return socket;
}

describe('UDP (RFC 3261 18.1, 18.2; RFC 3581)', () => {
  it('18.2.1: a request gets received and rport stamped on its top Via, with its source', async () => {
    const transport = await layer();
    const client = await udpClient();
    const arrived = nextRequest(transport);
    client.send(options('z9hG4bKu1'), transport.ports.udp!, LOCAL);
    const [request, source] = await arrived;
    expect(source).toMatchObject({ protocol: 'udp', remoteAddress: LOCAL, remotePort: client.address().port, localPort: transport.ports.udp });
    expect(request.via.received).toBe(LOCAL);
    expect(request.via.rport).toBe(client.address().port);
  });

  it('18.2.2 / RFC 3581: the response goes to received:rport, not to the (unreachable) sent-by', async () => {
    const transport = await layer();
    const client = await udpClient();
    const arrived = nextRequest(transport);
    client.send(options('z9hG4bKu2'), transport.ports.udp!, LOCAL);
    const [request, source] = await arrived;
    const answer = nextDatagram(client);
    await transport.sendResponse(createResponse(request, 200), source);
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.via.rport).toBe(client.address().port);
  });

  it('works over IPv6: received carries the bare IPv6 address and the response finds its way back', async () => {
    const transport = await layer({ udp: { host: '::1', port: 0 }, tcp: undefined, publicHost: '::1' });
    const client = createSocket('udp6');
    await new Promise<void>((resolve) => client.bind(0, '::1', resolve));
    cleanups.push(() => void client.close());
    const arrived = nextRequest(transport);
    client.send(options('z9hG4bKv6', [], 'SIP/2.0/UDP [::1]:5999;branch=z9hG4bKv6;rport'), transport.ports.udp!, '::1');
    const [request, source] = await arrived;
    expect(request.via.received).toBe('::1');
    const answer = nextDatagram(client);
    await transport.sendResponse(createResponse(request, 200), source);
    expect((await answer).via.received).toBe('::1');
  });

  it('a malformed request with readable headers gets a 400 naming the problem; garbage is dropped', async () => {
    const transport = await layer();
    const client = await udpClient();
    const received: string[] = [];
    transport.on('request', (r) => received.push(r.callId));
    client.send('\x00\x01garbage that is not SIP\r\n\r\n', transport.ports.udp!, LOCAL);
    client.send(options('z9hG4bKu3').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'), transport.ports.udp!, LOCAL);
    const response = await nextDatagram(client);
    expect(response.status).toBe(400);
    expect(response.reason).toBe('CSeq method does not match');
    expect(received).toEqual([]);
  });

  it('requests from known scanners (User-Agent friendly-scanner) are dropped silently', async () => {
    const transport = await layer();
    const client = await udpClient();
    const received: string[] = [];
    transport.on('request', (r) => received.push(r.callId));
    client.send(options('z9hG4bKscan', ['User-Agent: friendly-scanner']), transport.ports.udp!, LOCAL);
    const arrived = nextRequest(transport);
    client.send(options('z9hG4bKlegit', ['User-Agent: sipsak 0.9.8']), transport.ports.udp!, LOCAL);
    await arrived;
    expect(received).toEqual(['z9hG4bKlegit@test']);
  });

  it('a source over its token bucket is cut off; other sources are not', async () => {
    const transport = await layer({ rateLimit: { ratePerSecond: 0.001, burst: 3 } });
    const flooder = await udpClient(LOCAL);
    const other = await udpClient('127.0.0.2');
    const received: string[] = [];
    transport.on('request', (r, source) => received.push(source.remoteAddress));
    for (let i = 0; i < 6; i++) flooder.send(options(`z9hG4bKflood${i}`), transport.ports.udp!, LOCAL);
    await expect.poll(() => received.length, POLL).toBe(3);
    const arrived = nextRequest(transport);
    other.send(options('z9hG4bKother'), transport.ports.udp!, LOCAL);
    await arrived;
    expect(received).toEqual([LOCAL, LOCAL, LOCAL, '127.0.0.2']);
  });

  it('a flood over the rate is logged once when it starts and once with the count when it ends, not per drop', async () => {
    const clock = new FakeClock();
    const { logger, lines } = capturingLogger();
    const transport = await layer({ rateLimit: { ratePerSecond: 50, burst: 5 }, clock, logger });
    const flooder = await udpClient(LOCAL);
    let admitted = 0;
    transport.on('request', () => admitted++);
    const sends = 400;
    // 400 requests over 2 s (fake time): 4x the rate, tokens refill between drops all along.
    for (let i = 0; i < sends; i++) {
      flooder.send(options(`z9hG4bKflood${i}`), transport.ports.udp!, LOCAL);
      if (i % 20 === 19) {
        await new Promise((r) => setTimeout(r, 20));
        clock.advance(100);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    clock.advance(BURST_QUIET_MS);
    const starts = lines.filter((l) => l.msg === 'rate limit exceeded, dropping');
    const ends = lines.filter((l) => l.msg === 'rate limit burst ended');
    expect(starts).toHaveLength(1);
    expect(ends).toHaveLength(1);
    expect(ends[0]!.dropped).toBe(sends - admitted);
    expect(sends - admitted).toBeGreaterThan(200);
  });
});

describe('TCP (RFC 3261 18.3 framing, RFC 5626 keep-alives)', () => {
  it('splits merged messages and joins split ones by Content-Length', async () => {
    const transport = await layer();
    const client = await tcpClient(transport.ports.tcp!);
    const received: string[] = [];
    transport.on('request', (r) => received.push(r.callId));
    const withBody = options('z9hG4bKt2').replace('Content-Length: 0', 'Content-Type: text/plain\r\nContent-Length: 12') + 'hello\r\nworld';
    client.write(options('z9hG4bKt1') + withBody.slice(0, 40));
    await expect.poll(() => received.length, POLL).toBe(1); // the partial second message waits in the framer
    client.write(withBody.slice(40, 300));
    client.write(withBody.slice(300) + options('z9hG4bKt3'));
    await expect.poll(() => received, POLL).toEqual(['z9hG4bKt1@test', 'z9hG4bKt2@test', 'z9hG4bKt3@test']);
  });

  it('a listener that throws on a request (a bug) is logged with the emitter and event; the connection and other listeners go on', async () => {
    const { logger, lines } = capturingLogger();
    const transport = await layer({ logger });
    transport.on('request', () => {
      throw new Error('bug in a listener');
    });
    const received: string[] = [];
    transport.on('request', (r) => received.push(r.callId));
    const client = await tcpClient(transport.ports.tcp!);
    client.write(options('z9hG4bKbug1') + options('z9hG4bKbug2'));
    await expect.poll(() => received, POLL).toEqual(['z9hG4bKbug1@test', 'z9hG4bKbug2@test']);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ emitter: 'TransportLayer', event: 'request', msg: 'event listener threw' });
    expect(transport.connectionCount).toBe(1);
  });

  it('answers a double-CRLF ping with a CRLF pong', async () => {
    const transport = await layer();
    const client = await tcpClient(transport.ports.tcp!);
    client.write('\r\n\r\n');
    const [pong] = await once(client, 'data');
    expect((pong as Buffer).toString()).toBe('\r\n');
  });

  it('sends the response back over the connection the request came on', async () => {
    const transport = await layer();
    const client = await tcpClient(transport.ports.tcp!);
    const arrived = nextRequest(transport);
    client.write(options('z9hG4bKt4', [], 'SIP/2.0/TCP unreachable.invalid:5999;branch=z9hG4bKt4'));
    const [request, source] = await arrived;
    expect(source.connectionId).toMatch(/^tcp-/);
    expect(transport.connectionCount).toBe(1);
    const reply = once(client, 'data');
    await transport.sendResponse(createResponse(request, 200), source);
    expect((await reply)[0].toString()).toMatch(/^SIP\/2.0 200 OK\r\n/);
  });

  it('closes a connection that sends more than 64 KiB without a message end', async () => {
    const transport = await layer();
    const client = await tcpClient(transport.ports.tcp!);
    client.on('error', () => undefined); // the reset is the point
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.write(`OPTIONS sip:a@b SIP/2.0\r\nX-Pad: ${'a'.repeat(70_000)}`);
    await closed;
    const fresh = await tcpClient(transport.ports.tcp!);
    const arrived = nextRequest(transport);
    fresh.write(options('z9hG4bKafter'));
    expect((await arrived)[0].callId).toBe('z9hG4bKafter@test');
  });

  it('two stacks talk over TCP: a request opens a connection, the response returns on it', async () => {
    const a = await layer();
    const b = await layer();
    const destination = { protocol: 'tcp' as const, host: LOCAL, port: b.ports.tcp! };
    const [request] = await Promise.all([
      nextRequest(b).then(async ([req, source]) => {
        await b.sendResponse(createResponse(req, 202), source);
        return req;
      }),
      (async () => {
        const req = parseMessage(Buffer.from(options('z9hG4bKpeer')));
        if (!req.ok || !req.message.isRequest()) throw new Error('bad fixture');
        req.message.headers.remove('Via', 0);
        req.message.headers.prepend('Via', a.localVia(destination, 'z9hG4bKpeer'));
        await a.sendRequest(req.message, destination);
      })(),
    ]);
    const [response] = await a.waitFor('response');
    expect(response.status).toBe(202);
    expect(request.via.transport).toBe('TCP');
    expect(request.via.port).toBe(a.ports.tcp);
  });

  it('refuses connections beyond maxConnections and closes idle ones (clock-driven)', async () => {
    const clock = new FakeClock();
    const transport = await layer({ connectionLimits: { maxConnections: 1, idleTimeoutMs: 60_000 }, clock });
    const first = await tcpClient(transport.ports.tcp!);
    const arrived = nextRequest(transport);
    first.write(options('z9hG4bKidle'));
    await arrived;
    const second = connect({ host: LOCAL, port: transport.ports.tcp! });
    cleanups.push(() => void second.destroy());
    await once(second, 'close');
    const firstClosed = once(first, 'close');
    clock.advance(60_000);
    await firstClosed;
  });
});

describe('WebSocket (RFC 7118) on a shared HTTP server', () => {
  async function httpServer(): Promise<HttpServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return server;
  }

  async function wsClient(port: number, protocols: string[] = ['sip'], path = '/sip'): Promise<WebSocket> {
    const ws = new WebSocket(`ws://${LOCAL}:${port}${path}`, protocols);
    cleanups.push(() => ws.terminate());
    await once(ws, 'open');
    return ws;
  }

  it('a request arrives with its connection id, the response and later requests go back over it', async () => {
    const server = await httpServer();
    const transport = await layer({ ws: { server } });
    const port = (server.address() as { port: number }).port;
    const client = await wsClient(port);
    expect(client.protocol).toBe('sip');
    const arrived = nextRequest(transport);
    client.send(options('z9hG4bKws1', [], 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1'));
    const [request, source] = await arrived;
    expect(source).toMatchObject({ protocol: 'ws', connectionId: expect.stringMatching(/^ws-/) });
    expect(request.via.received).toBe(LOCAL);

    const frames: { text: string; binary: boolean }[] = [];
    client.on('message', (data, binary) => frames.push({ text: data.toString(), binary }));
    await transport.sendResponse(createResponse(request, 200), source);
    const ping = parseMessage(Buffer.from(options('z9hG4bKws2')));
    if (!ping.ok || !ping.message.isRequest()) throw new Error('bad fixture');
    await transport.sendRequest(ping.message, { connectionId: source.connectionId! });
    await expect.poll(() => frames.length, POLL).toBe(2);
    expect(frames[0]!.text).toMatch(/^SIP\/2.0 200 OK/);
    expect(frames[1]!.text).toMatch(/^OPTIONS /);
    expect(frames.every((f) => !f.binary)).toBe(true);
  });

  it('refuses a handshake without the sip subprotocol and leaves other paths (socket.io) alone', async () => {
    const server = await httpServer();
    await layer({ ws: { server } });
    const other = new WebSocketServer({ server, path: '/socket.io' });
    cleanups.push(() => other.close());
    const port = (server.address() as { port: number }).port;
    const refused = new WebSocket(`ws://${LOCAL}:${port}/sip`, ['chat']);
    refused.on('error', () => undefined);
    const [, response] = await once(refused, 'unexpected-response');
    expect(response.statusCode).toBe(400);
    await wsClient(port, [], '/socket.io');
  });

  it('a WebSocket client can be reached only over its connection', async () => {
    const server = await httpServer();
    const transport = await layer({ ws: { server } });
    const request = parseMessage(Buffer.from(options('z9hG4bKws3')));
    if (!request.ok || !request.message.isRequest()) throw new Error('bad fixture');
    await expect(transport.sendRequest(request.message, { connectionId: 'ws-999' })).rejects.toThrow(/closed/);
  });
});
