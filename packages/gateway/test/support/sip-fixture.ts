/**
 * A SipStack on 127.0.0.1 (ephemeral UDP/TCP ports, optional WebSocket on its own HTTP
 * server) that answers every call with a minimal PCMU SDP pointing at a UDP socket it
 * opens (media itself is not its business), and records what happened to each call.
 *
 *   const fx = await startSipFixture({ ws: true, softphones: { alice: 'pw' } });
 *   ... peer calls sip:camera@127.0.0.1:${fx.sip.ports.udp} ...
 *   const call = await fx.nextCall();          // IncomingCall, already being answered
 *   await fx.close();
 *
 * `answer: 'manual'` leaves the calls alone for the test to drive.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';

import { createLogger } from '../../src/core/logger.ts';
import { SipStack, type SipStackOptions } from '../../src/sip/sip-stack.ts';
import type { CallEndCause } from '../../src/sip/ua/call-state.ts';
import type { DtmfKey } from '../../src/sip/ua/dtmf-info.ts';
import type { IncomingCall } from '../../src/sip/ua/incoming-call.ts';

/** A minimal valid SDP answer (RFC 4566/3264): PCMU + telephone-event at 127.0.0.1:port. */
export function pcmuAnswer(port: number, sessionVersion = 1): string {
  return [
    'v=0',
    `o=camgate 1 ${sessionVersion} IN IP4 127.0.0.1`,
    's=camgate',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export interface CallRecord {
  call: IncomingCall;
  dtmf: DtmfKey[];
  ended: Promise<CallEndCause>;
  /** Resolves when the ACK for our 200 arrived (the call is established). */
  established: Promise<void>;
}

export interface SipFixtureOptions {
  /** 'auto': 180 then 200 with `pcmuAnswer` (default); 'manual': the test answers. */
  answer?: 'auto' | 'manual';
  /** Open a WebSocket endpoint at ws://127.0.0.1:<wsPort>/sip with these softphone accounts. */
  softphones?: Record<string, string>;
  stack?: Partial<SipStackOptions>;
}

export interface SipFixture {
  sip: SipStack;
  udpPort: number;
  tcpPort: number;
  wsUrl: string | undefined;
  /** The media socket the answers point at. */
  mediaPort: number;
  calls: CallRecord[];
  /** Resolves with the next call not yet taken by `nextCall` (including ones that already arrived). */
  nextCall(timeoutMs?: number): Promise<CallRecord>;
  /** Polls `sip.stats()` until `predicate` holds. */
  waitForStats(predicate: (s: ReturnType<SipStack['stats']>) => boolean, timeoutMs?: number): Promise<ReturnType<SipStack['stats']>>;
  close(): Promise<void>;
}

export async function startSipFixture(options: SipFixtureOptions = {}): Promise<SipFixture> {
  const media: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => media.bind(0, '127.0.0.1', resolve));
  media.on('message', () => undefined); // RTP from the peer is ignored here
  const mediaPort = media.address().port;

  let http: Server | undefined;
  if (options.softphones) {
    http = createServer((_, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  }
  const accounts = options.softphones ?? {};
  const sip = new SipStack({
    logger: createLogger(process.env.CAMGATE_LOG_LEVEL ?? 'silent'),
    udp: { host: '127.0.0.1', port: 0 },
    tcp: { host: '127.0.0.1', port: 0 },
    ...(http && { ws: { server: http, path: '/sip' } }),
    softphoneAuth: { realm: 'camgate', lookup: (user) => (accounts[user] === undefined ? undefined : { password: accounts[user] }) },
    userAgent: 'camgate-test',
    ...options.stack,
    limits: { rateLimit: false, ...options.stack?.limits },
    // Load tests run many calls from one sipp: no per-source call quotas unless a test sets them.
    admission: { maxCalls: 10_000, maxCallsPerSource: 10_000, maxPendingInvitesPerSource: 10_000, ...options.stack?.admission },
  });

  const calls: CallRecord[] = [];
  let taken = 0;
  const waiters = new Set<() => void>();
  sip.on('invite', (call) => {
    const dtmf: DtmfKey[] = [];
    call.on('dtmf', (key) => dtmf.push(key));
    const ended = new Promise<CallEndCause>((resolve) => call.once('ended', resolve));
    let established: Promise<void>;
    if ((options.answer ?? 'auto') === 'auto') {
      call.ring();
      established = call.accept(pcmuAnswer(mediaPort));
    } else {
      established = new Promise((resolve, reject) => {
        call.on('state', (state) => state === 'established' && resolve());
        call.once('ended', (cause) => reject(new Error(`call ended (${cause}) before it was established`)));
      });
    }
    established.catch(() => undefined); // tests that do not await it must not see an unhandled rejection
    calls.push({ call, dtmf, ended, established });
    for (const waiter of [...waiters]) waiter();
  });
  await sip.start();
  const wsAddress = http?.address();

  return {
    sip,
    udpPort: sip.ports.udp!,
    tcpPort: sip.ports.tcp!,
    wsUrl: wsAddress && typeof wsAddress === 'object' ? `ws://127.0.0.1:${wsAddress.port}/sip` : undefined,
    mediaPort,
    calls,
    nextCall(timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (taken < calls.length) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(calls[taken++]!);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no call within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async waitForStats(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stats = sip.stats();
        if (predicate(stats)) return stats;
        if (Date.now() > deadline) throw new Error(`stats never matched: ${JSON.stringify(stats)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await sip.close();
      media.close();
      if (http) {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http!.close(() => resolve()));
      }
    },
  };
}
