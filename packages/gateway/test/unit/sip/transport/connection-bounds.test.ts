/**
 * Issue #9 "bounded resources" at the transport layer, with real sockets on loopback:
 * peers that never read, that hold connections open, that trickle a message byte by byte,
 * and a broken message behind a valid one in one TCP segment.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createResponse, type SipRequest } from '../../../../src/sip/message/index.ts';
import { DEFAULT_CONNECTION_LIMITS } from '../../../../src/sip/transport/connection-registry.ts';
import { TransportLayer, type TransportLayerOptions } from '../../../../src/sip/transport/transport-layer.ts';
import type { MessageSource } from '../../../../src/sip/transport/transport.ts';
import { WS_FIRST_MESSAGE_TIMEOUT_MS } from '../../../../src/sip/transport/ws-transport.ts';
import { capturingLogger } from '../../../support/log-capture.ts';

const LOCAL = '127.0.0.1';
const POLL = { timeout: 10_000 };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function layer(options: Partial<TransportLayerOptions> = {}): Promise<TransportLayer> {
  const created = await TransportLayer.create({ tcp: { host: LOCAL, port: 0 }, publicHost: LOCAL, rateLimit: false, ...options });
  cleanups.push(() => created.close());
  return created;
}

function options(branch: string, via = `SIP/2.0/TCP 192.0.2.99:5070;branch=${branch}`, contentLength: string | null = '0'): string {
  return [
    'OPTIONS sip:camera@127.0.0.1 SIP/2.0',
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:camera@127.0.0.1>',
    `Call-ID: ${branch}@test`,
    'CSeq: 1 OPTIONS',
    ...(contentLength === null ? [] : [`Content-Length: ${contentLength}`]),
    '',
    '',
  ].join('\r\n');
}

function tcpClient(port: number, localAddress = LOCAL): Promise<Socket> {
  const socket = connect({ host: LOCAL, port, localAddress });
  socket.on('error', () => undefined); // resets are what some tests expect
  cleanups.push(() => void socket.destroy());
  return once(socket, 'connect').then(() => socket);
}

const closed = (socket: Socket | WebSocket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('a TCP peer that does not read its responses (RFC 3261 18.2.2, issue #9)', () => {
  it('is cut off once its write buffer is full, and the response is dropped, never dialled back to its Via', async () => {
    // Where the old fallback would have delivered the response: the Via's sent-by.
    const viaTarget = createServer();
    let dialledBack = 0;
    viaTarget.on('connection', (s) => {
      dialledBack++;
      s.destroy();
    });
    await new Promise<void>((resolve) => viaTarget.listen(0, LOCAL, resolve));
    cleanups.push(() => new Promise<void>((resolve) => viaTarget.close(() => resolve())));
    const viaPort = (viaTarget.address() as { port: number }).port;

    const maxWriteBufferBytes = 256 * 1024;
    const transport = await layer({ maxWriteBufferBytes });
    const client = await tcpClient(transport.ports.tcp!);
    client.pause(); // never reads
    const arrived = transport.waitFor('request');
    client.write(options('z9hG4bKslow', `SIP/2.0/TCP ${LOCAL}:${viaPort};branch=z9hG4bKslow`));
    const [request, source] = (await arrived) as [SipRequest, MessageSource];

    const big = createResponse(request, 200, { body: 'x'.repeat(60_000), headers: [['Content-Type', 'text/plain']] });
    let sent = 0;
    let failure: unknown;
    // Loopback socket buffers hold a few MiB; without a cap this would queue all 400 MiB.
    for (; sent < 7000 && failure === undefined; sent++) {
      transport.sendResponse(big, source).catch((error: unknown) => (failure ??= error));
      if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await expect.poll(() => failure, POLL).toBeDefined();
    expect(String(failure)).toMatch(/does not read|closed/);
    await expect.poll(() => transport.connectionCount, POLL).toBe(0);
    const bytesQueued = sent * big.toBuffer().length;
    expect(bytesQueued).toBeLessThan(64 * 1024 * 1024);

    await expect(transport.sendResponse(createResponse(request, 200), source)).rejects.toThrow(/closed/);
    await new Promise((r) => setTimeout(r, 200));
    expect(dialledBack).toBe(0);
  });
});

describe('TCP connection caps (per address and in all)', () => {
  it(`refuses a connection over the cap of ${DEFAULT_CONNECTION_LIMITS.maxConnectionsPerAddress} from one address; another address still gets in`, async () => {
    const transport = await layer();
    const port = transport.ports.tcp!;
    const held = await Promise.all(Array.from({ length: DEFAULT_CONNECTION_LIMITS.maxConnectionsPerAddress }, () => tcpClient(port)));
    await expect.poll(() => transport.connectionCount, POLL).toBe(held.length);
    const extra = await tcpClient(port);
    await closed(extra);
    const other = await tcpClient(port, '127.0.0.2');
    const arrived = transport.waitFor('request');
    other.write(options('z9hG4bKother'));
    const [, source] = await arrived;
    expect(source.remoteAddress).toBe('127.0.0.2');
    // One leaves, the address may connect again.
    held[0]!.destroy();
    await expect.poll(() => transport.connectionCount, POLL).toBe(held.length);
    const again = await tcpClient(port);
    const back = transport.waitFor('request');
    again.write(options('z9hG4bKagain'));
    await back;
  });

  it('refuses any connection beyond the global cap', async () => {
    const transport = await layer({ connectionLimits: { maxConnections: 2 } });
    const port = transport.ports.tcp!;
    await tcpClient(port);
    await tcpClient(port, '127.0.0.2');
    await expect.poll(() => transport.connectionCount, POLL).toBe(2);
    await closed(await tcpClient(port, '127.0.0.3'));
  });
});

describe('TCP message deadline (Slowloris): trickled bytes do not extend it', () => {
  it('a message head trickled a byte a second is cut off after the deadline, however busy the peer', async () => {
    const clock = new FakeClock();
    const transport = await layer({ clock });
    const client = await tcpClient(transport.ports.tcp!);
    const ended = closed(client);
    const head = options('z9hG4bKtrickle');
    let gone = false;
    void ended.then(() => (gone = true));
    for (let i = 0; i < 20 && !gone; i++) {
      client.write(head[i]!);
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(1000);
    }
    await ended;
    expect(clock.now() - 1_000_000).toBeLessThanOrEqual(DEFAULT_CONNECTION_LIMITS.messageTimeoutMs + 1000);
  });

  it('a new connection owes its first message within the deadline; one that delivered a message may idle', async () => {
    const clock = new FakeClock();
    const transport = await layer({ clock });
    const silent = await tcpClient(transport.ports.tcp!);
    const talker = await tcpClient(transport.ports.tcp!);
    const arrived = transport.waitFor('request');
    talker.write(options('z9hG4bKtalk'));
    await arrived;
    const silentClosed = closed(silent);
    clock.advance(DEFAULT_CONNECTION_LIMITS.messageTimeoutMs);
    await silentClosed;
    expect(transport.connectionCount).toBe(1);
    const talkerClosed = closed(talker);
    clock.advance(DEFAULT_CONNECTION_LIMITS.idleTimeoutMs);
    await talkerClosed;
  });
});

describe('a valid request and a broken one in one TCP segment (RFC 4475 3.1.1.8 dblreq over a stream)', () => {
  it('the valid one is answered, the broken one gets 400, then the connection closes', async () => {
    const transport = await layer();
    transport.on('request', (request, source) => void transport.sendResponse(createResponse(request, 200), source));
    const client = await tcpClient(transport.ports.tcp!);
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = closed(client);
    client.write(options('z9hG4bKvalid') + options('z9hG4bKbroken', undefined, null));
    await ended;
    const statuses = [...received.matchAll(/^SIP\/2\.0 (\d{3}) (.*)\r\n/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(statuses).toEqual(['200 OK', '400 Missing Content-Length']);
    expect(received).toContain('Call-ID: z9hG4bKvalid@test');
    expect(received).toContain('Call-ID: z9hG4bKbroken@test');
  });
});

describe('WebSocket connection caps (RFC 7118 transport on the HTTP server)', () => {
  async function httpServer(): Promise<HttpServer> {
    const server = createHttpServer();
    await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return server;
  }

  function wsClient(port: number, localAddress = LOCAL): WebSocket {
    const ws = new WebSocket(`ws://${LOCAL}:${port}/sip`, ['sip'], { localAddress });
    ws.on('error', () => undefined);
    cleanups.push(() => ws.terminate());
    return ws;
  }

  it('refuses upgrades over the per-address cap with 503; other addresses still connect', async () => {
    const server = await httpServer();
    const transport = await layer({ ws: { server }, connectionLimits: { maxConnectionsPerAddress: 3 } });
    const port = (server.address() as { port: number }).port;
    for (let i = 0; i < 3; i++) await once(wsClient(port), 'open');
    const refused = wsClient(port);
    const [, response] = await once(refused, 'unexpected-response');
    expect(response.statusCode).toBe(503);
    await once(wsClient(port, '127.0.0.2'), 'open');
    expect(transport.connectionCount).toBe(4);
  });

  it('closes an upgraded connection that sends no SIP message, and logs why', async () => {
    const clock = new FakeClock();
    const { logger, lines } = capturingLogger();
    const server = await httpServer();
    const transport = await layer({ ws: { server }, clock, logger });
    const port = (server.address() as { port: number }).port;
    const idle = wsClient(port);
    await once(idle, 'open');
    await expect.poll(() => transport.connectionCount, POLL).toBe(1);
    const gone = closed(idle);
    clock.advance(WS_FIRST_MESSAGE_TIMEOUT_MS);
    await gone;
    expect(transport.connectionCount).toBe(0);
    expect(lines.some((l) => l.msg === 'WebSocket connection closed' && l.reason === 'message timeout')).toBe(true);
  });
});
