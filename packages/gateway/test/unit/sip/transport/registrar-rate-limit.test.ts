/**
 * The per-source rate limit spares the registrar of a running registration: a provider's
 * proxy brings every call from one address. Real UDP sockets on 127.0.0.2 (the registrar)
 * and 127.0.0.3 (anyone else) against a stack on 127.0.0.1; a fake clock, so no token
 * refills while the test runs.
 */
import { once } from 'node:events';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.ts';
import { createLogger } from '../../../../src/core/logger.ts';
import { createResponse, parseMessage } from '../../../../src/sip/message/index.ts';
import { SipStack } from '../../../../src/sip/sip-stack.ts';

const BURST = 3;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function socketOn(host: string): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  cleanups.push(() => void socket.close());
  return socket;
}

/** A registrar that accepts every REGISTER (and its Expires: 0) with 200. */
async function fakeRegistrar(): Promise<Socket> {
  const socket = await socketOn('127.0.0.2');
  socket.on('message', (data, from) => {
    const parsed = parseMessage(data);
    if (!parsed.ok || !parsed.message.isRequest() || parsed.message.method !== 'REGISTER') return;
    const request = parsed.message;
    const ok = createResponse(request, 200, { toTag: 'reg', headers: [['Contact', `${request.header('Contact')};expires=600`]] });
    socket.send(ok.toBuffer(), from.port, from.address);
  });
  return socket;
}

function options(socket: Socket, callId: string): Buffer {
  const { address, port } = socket.address();
  return Buffer.from(
    [
      'OPTIONS sip:camera@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP ${address}:${port};branch=z9hG4bK-${callId}`,
      'Max-Forwards: 70',
      `From: <sip:peer@${address}>;tag=t1`,
      'To: <sip:camera@127.0.0.1>',
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

let batch = 0;

/**
 * Sends `count` OPTIONS from `socket`, then one from `barrier` (never limited), and returns
 * how many of the `count` were answered once the barrier's answer is back.
 */
async function answeredOf(socket: Socket, count: number, port: number, barrier: Socket): Promise<number> {
  const prefix = `batch${++batch}-`;
  let answered = 0;
  const onMessage = (data: Buffer) => {
    if (data.toString().includes(`Call-ID: ${prefix}`)) answered++;
  };
  socket.on('message', onMessage);
  for (let n = 0; n < count; n++) socket.send(options(socket, `${prefix}${n}`), port, '127.0.0.1');
  const barrierAnswer = once(barrier, 'message', { signal: AbortSignal.timeout(5000) });
  barrier.send(options(barrier, `barrier-${batch}`), port, '127.0.0.1');
  await barrierAnswer;
  // The stack answered in arrival order; one more turn of the event loop reads what is queued.
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.off('message', onMessage);
  return answered;
}

describe('rate limit and the provider registrar', () => {
  it('does not limit the registrar while registered, limits everyone else, and limits the registrar again once unregistered', async () => {
    const clock = new FakeClock();
    const sip = new SipStack({
      logger: createLogger('silent'),
      clock,
      udp: { host: '127.0.0.1', port: 0 },
      publicHost: '127.0.0.1',
      limits: { rateLimit: { ratePerSecond: 1, burst: BURST } },
    });
    await sip.start();
    const port = sip.ports.udp!;
    const registrar = await fakeRegistrar();
    const stranger = await socketOn('127.0.0.3');
    cleanups.push(() => sip.close()); // before the registrar goes: closing unregisters
    const registration = sip.register({
      registrar: { host: '127.0.0.2', port: registrar.address().port, transport: 'udp' },
      aor: 'sip:camera@127.0.0.2',
      password: 'unused',
    });
    await new Promise<void>((resolve) => registration.on('state', (state) => state === 'registered' && resolve()));

    expect(await answeredOf(registrar, 20, port, registrar)).toBe(20);
    // The barrier here is the registrar: trusted, so it is never the one dropped.
    expect(await answeredOf(stranger, 20, port, registrar)).toBe(BURST);

    await registration.close();
    expect(registration.state).toBe('disabled');
    const fresh = await socketOn('127.0.0.4');
    // A fresh bucket for 127.0.0.2: the burst, then drops. (Barrier: an address not yet seen.)
    expect(await answeredOf(registrar, 20, port, fresh)).toBe(BURST);
  });
});
