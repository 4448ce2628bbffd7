/**
 * SIP parser throughput for a typical INVITE with SDP (as a softphone sends it).
 * Run: npx tsx packages/gateway/bench/sip-parser.ts
 */
import { parseMessage } from '../src/sip/message/parser.ts';

const sdp = [
  'v=0',
  'o=- 4858592213546713486 2 IN IP4 192.0.2.20',
  's=-',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'm=audio 40000 RTP/AVP 111 0 8 101',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const invite = Buffer.from(
  [
    'INVITE sip:camera@192.0.2.10:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.20:5062;rport;branch=z9hG4bKPj3f1b6a9c4e2d4c8b9e1f7a6d5c4b3a21',
    'Max-Forwards: 70',
    'From: "Front Door" <sip:1001@example.com>;tag=7f3c9b2e1d4a4f6e',
    'To: <sip:camera@192.0.2.10>',
    'Contact: <sip:1001@192.0.2.20:5062;ob>',
    'Call-ID: 4a1f2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    'CSeq: 31245 INVITE',
    'Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, OPTIONS',
    'Supported: replaces, 100rel, timer, norefersub',
    'Session-Expires: 1800',
    'Min-SE: 90',
    'User-Agent: baresip v3.0.0 (x86_64/linux)',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
);

function run(iterations: number, touch: boolean): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const result = parseMessage(invite);
    if (!result.ok) throw new Error(result.error.message);
    if (touch && result.message.isRequest()) void result.message.contacts;
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

run(2000, true); // warm-up
const iterations = 50_000;
const seconds = run(iterations, true);
const perSecond = Math.round(iterations / seconds);
console.log(`SIP parser: ${perSecond.toLocaleString('en')} INVITE+SDP messages/s (${invite.length} bytes, ${((seconds / iterations) * 1e6).toFixed(1)} µs each)`);
