/**
 * Call set-up latency of the SIP stack on loopback: INVITE sent -> 200 OK received, over
 * UDP, for 1000 sequential calls (each then ACKed and ended with BYE), with a TU that
 * answers at once. A minimal UAC built on the stack's own message layer measures with
 * the high-resolution clock. Prints p50/p99/max in ms.
 *
 *   npx tsx packages/gateway/bench/sip-setup.ts [calls]
 */
import { createSocket } from 'node:dgram';

import { createLogger } from '../src/core/logger.ts';
import { SipRequest, newBranch, newCallId, newTag, parseMessage, parseSipUri, type SipResponse } from '../src/sip/message/index.ts';
import { SipStack } from '../src/sip/sip-stack.ts';

const CALLS = Number(process.argv[2] ?? 1000);
const OFFER = 'v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const ANSWER = OFFER.replace('o=bench', 'o=camgate').replace('40000', '40002');

const sip = new SipStack({ logger: createLogger('silent'), udp: { host: '127.0.0.1', port: 0 }, limits: { rateLimit: false, maxTransactionsPerSource: 100_000 } }); // all calls from one address
sip.on('invite', (call) => void call.accept(ANSWER).catch(() => undefined));
await sip.start();
const port = sip.ports.udp!;

const uac = createSocket('udp4');
await new Promise<void>((resolve) => uac.bind(0, '127.0.0.1', resolve));
const localPort = uac.address().port;
let waiting: { match: (r: SipResponse) => boolean; resolve: (r: SipResponse) => void } | undefined;
uac.on('message', (data) => {
  const parsed = parseMessage(data);
  if (!parsed.ok || parsed.message.isRequest()) return;
  if (waiting?.match(parsed.message)) {
    const { resolve } = waiting;
    waiting = undefined;
    resolve(parsed.message);
  }
});

function send(request: SipRequest): void {
  uac.send(request.toBuffer(), port, '127.0.0.1');
}

function finalResponse(callId: string, method: string): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no final response to ${method}`)), 5000);
    waiting = {
      match: (r) => r.callId === callId && r.cseq.method === method && r.status >= 200,
      resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      },
    };
  });
}

function request(method: string, callId: string, fromTag: string, toTag: string | undefined, seq: number, body = ''): SipRequest {
  const target = parseSipUri(`sip:camera@127.0.0.1:${port}`);
  return new SipRequest(method, target, {
    headers: [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${localPort};branch=${newBranch()};rport`],
      ['Max-Forwards', 70],
      ['From', `<sip:bench@127.0.0.1:${localPort}>;tag=${fromTag}`],
      ['To', `<sip:camera@127.0.0.1:${port}>${toTag ? `;tag=${toTag}` : ''}`],
      ['Call-ID', callId],
      ['CSeq', `${seq} ${method}`],
      ['Contact', `<sip:bench@127.0.0.1:${localPort}>`],
      ...(body ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
    ],
    body,
  });
}

const setupMs: number[] = [];
for (let i = 0; i < CALLS; i++) {
  const callId = newCallId();
  const fromTag = newTag();
  const answered = finalResponse(callId, 'INVITE');
  const started = process.hrtime.bigint();
  send(request('INVITE', callId, fromTag, undefined, 1, OFFER));
  const ok = await answered;
  setupMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (ok.status !== 200) throw new Error(`call ${i}: ${ok.status}`);
  send(request('ACK', callId, fromTag, ok.to.tag, 1));
  const byeDone = finalResponse(callId, 'BYE');
  send(request('BYE', callId, fromTag, ok.to.tag, 2));
  await byeDone;
}

setupMs.sort((a, b) => a - b);
const pick = (q: number) => setupMs[Math.min(setupMs.length - 1, Math.floor(q * setupMs.length))]!.toFixed(3);
console.log(`sip-setup: ${CALLS} calls over UDP loopback, INVITE -> 200 OK: p50 ${pick(0.5)} ms, p99 ${pick(0.99)} ms, max ${pick(1)} ms`);
uac.close();
await sip.close();
