/**
 * Digest authentication of WebSocket INVITEs against replay and guessing: a nonce is good for
 * the call and address it challenged only, a replayed answer gets a fresh 407 with
 * stale=true, and failed digests lock the source out (403 without verifying). A raw
 * WebSocket client sends the INVITEs so the test controls every header and the source address.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PIN_LOCKOUT, PinGuard } from '../../src/camera/pin-guard.ts';
import { FakeClock } from '../../src/core/clock.ts';
import { answerChallenge, parseChallenge } from '../../src/sip/ua/digest.ts';
import { startSipFixture, type SipFixture } from '../support/sip-fixture.ts';

const TARGET = 'sip:camera@127.0.0.1';
const ACCOUNTS: Record<string, string> = { alice: 'wonderland' };
const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

interface Answer {
  status: number;
  header(name: string): string | undefined;
}

/** One SIP-over-WebSocket connection from a chosen loopback address. */
class RawWsPeer {
  readonly #responses: Answer[] = [];
  readonly #waiters: (() => void)[] = [];
  #cseq = 1;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      const status = /^SIP\/2\.0 (\d{3})/.exec(text);
      if (!status || Number(status[1]) < 200) return; // final responses only
      const head = text.split('\r\n\r\n')[0]!.split('\r\n');
      this.#responses.push({
        status: Number(status[1]),
        header: (name) => head.find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.replace(/^[^:]+:\s*/, ''),
      });
      this.#waiters.shift()?.();
    });
  }

  static async open(url: string, localAddress: string): Promise<RawWsPeer> {
    const ws = new WebSocket(url, 'sip', { localAddress });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new RawWsPeer(ws);
  }

  /** Sends an INVITE and resolves with its final response. */
  async invite(callId: string, authorization?: string): Promise<Answer> {
    const lines = [
      `INVITE ${TARGET} SIP/2.0`,
      `Via: SIP/2.0/WSS peer.invalid;branch=z9hG4bK${randomBytes(6).toString('hex')}`,
      'Max-Forwards: 70',
      `To: <${TARGET}>`,
      `From: <sip:alice@127.0.0.1>;tag=${randomBytes(4).toString('hex')}`,
      `Call-ID: ${callId}`,
      `CSeq: ${this.#cseq++} INVITE`,
      'Contact: <sip:alice@peer.invalid;transport=ws>',
      ...(authorization ? [`Proxy-Authorization: ${authorization}`] : []),
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(SDP)}`,
    ];
    const answered = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.ws.send(`${lines.join('\r\n')}\r\n\r\n${SDP}`);
    await answered;
    return this.#responses.shift()!;
  }

  close(): void {
    this.ws.terminate();
  }
}

const credentials = (challenge: Answer, password: string, nc = 1) =>
  answerChallenge(parseChallenge(challenge.header('Proxy-Authenticate')!)!, { method: 'INVITE', uri: TARGET }, { username: 'alice', password }, nc);

describe('SIP over WebSocket: digest nonces and lock-out', () => {
  let fx: SipFixture;
  let lockout: PinGuard;
  const peers: RawWsPeer[] = [];
  const peer = async (address = '127.0.0.1') => {
    const p = await RawWsPeer.open(fx.wsUrl!, address);
    peers.push(p);
    return p;
  };

  beforeEach(async () => {
    lockout = new PinGuard(new FakeClock(), PIN_LOCKOUT, { scope: 'digest' });
    fx = await startSipFixture({
      softphones: ACCOUNTS,
      stack: {
        softphoneAuth: { realm: 'camgate', lookup: (user) => (ACCOUNTS[user] === undefined ? undefined : { password: ACCOUNTS[user] }), lockout },
      },
    });
  });

  afterEach(async () => {
    for (const p of peers.splice(0)) p.close();
    await fx.close();
  });

  it('an answer is accepted for the challenged call; replayed for a new call, from here or elsewhere, it gets 407 stale=true', async () => {
    const owner = await peer();
    const challenge = await owner.invite('call-1');
    expect(challenge.status).toBe(407);
    const authorization = credentials(challenge, 'wonderland');
    expect((await owner.invite('call-1', authorization)).status).toBe(200);
    expect((await fx.nextCall()).call.authenticatedUser).toBe('alice');

    for (const replay of [await peer('127.0.0.2'), owner]) {
      const answer = await replay.invite(`call-${randomBytes(4).toString('hex')}`, authorization);
      expect(answer.status).toBe(407);
      expect(answer.header('Proxy-Authenticate')).toContain('stale=true');
    }
    expect(fx.calls).toHaveLength(1);
  });

  it('failed digests lock the source out: then even the right password gets 403 without a challenge', async () => {
    const guesser = await peer('127.0.0.3');
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES; i++) {
      const challenge = await guesser.invite(`guess-${i}`);
      expect(challenge.status).toBe(407);
      expect((await guesser.invite(`guess-${i}`, credentials(challenge, `guess-${i}`))).status).toBe(403);
    }
    expect((await guesser.invite('after-lock')).status).toBe(403);
    expect(lockout.list().map((l) => l.label)).toContain('127.0.0.3');
    expect(fx.calls).toHaveLength(0);
  });

  it("a stranger's wrong passwords for an account do not lock its owner out at another address", async () => {
    const stranger = await peer('127.0.0.4');
    for (let i = 0; i < PIN_LOCKOUT.MAX_FAILURES + 1; i++) {
      const challenge = await stranger.invite(`stranger-${i}`);
      if (challenge.status !== 407) break;
      await stranger.invite(`stranger-${i}`, credentials(challenge, `guess-${i}`));
    }
    const owner = await peer('127.0.0.5');
    const challenge = await owner.invite('owner-call');
    expect(challenge.status).toBe(407);
    expect((await owner.invite('owner-call', credentials(challenge, 'wonderland'))).status).toBe(200);
  });
});
