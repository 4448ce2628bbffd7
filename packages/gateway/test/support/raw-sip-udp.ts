/**
 * A bare UDP SIP caller on any 127.0.0.x address, for attacks a well-behaved phone never
 * makes: INVITEs with crafted SDP, INVITEs it never ACKs, floods from one source. It sends
 * what it is told and records everything that comes back (responses and requests); a BYE
 * it answers 200.
 *
 *   const uac = await RawSipUdp.open('127.0.0.5');
 *   const final = await uac.invite(gw.sipPort, { sdp: offer });   // 488, 200, 486 ...
 *   uac.ack(final);                                                 // or never
 *   uac.close();
 *
 * `RawSipUdp.open('127.0.0.5', '127.0.0.10')` talks to another loopback host (a proxy in
 * front of the gateway) instead of 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

import { createResponse, parseMessage, SipRequest, SipResponse } from '../../src/sip/message/index.ts';

/** A PCMU + telephone-event offer naming `address:port` (strings, so tests can put in anything). */
export function audioOffer(address: string, port: number | string): string {
  return [
    'v=0',
    `o=attacker 1 1 IN IP4 127.0.0.1`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

interface SentInvite {
  callId: string;
  fromTag: string;
  branch: string;
  targetPort: number;
}

export class RawSipUdp {
  readonly responses: SipResponse[] = [];
  readonly requests: SipRequest[] = [];
  readonly #socket: Socket;
  readonly #invites = new Map<string, SentInvite>();
  readonly #waiters = new Set<() => void>();

  readonly #target: string;

  private constructor(socket: Socket, target: string) {
    this.#socket = socket;
    this.#target = target;
    socket.on('message', (data, from) => {
      const parsed = parseMessage(data);
      if (!parsed.ok) return;
      if (parsed.message instanceof SipResponse) this.responses.push(parsed.message);
      else if (parsed.message instanceof SipRequest) {
        this.requests.push(parsed.message);
        // A BYE to a call it did ACK is answered, so the gateway's shutdown does not wait for Timer F.
        if (parsed.message.method === 'BYE') socket.send(createResponse(parsed.message, 200).toBuffer(), from.port, from.address);
      }
      for (const waiter of [...this.#waiters]) waiter();
    });
  }

  static async open(address: string, target = '127.0.0.1'): Promise<RawSipUdp> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new RawSipUdp(socket, target);
  }

  get address(): string {
    return this.#socket.address().address;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Sends an INVITE (once, no retransmission) and resolves with its final response. */
  invite(targetPort: number, options: { sdp: string; callId?: string; contact?: string; headers?: string[]; timeoutMs?: number }): Promise<SipResponse> {
    const callId = options.callId ?? `raw-${randomBytes(6).toString('hex')}`;
    const sent: SentInvite = { callId, fromTag: randomBytes(4).toString('hex'), branch: `z9hG4bK-${randomBytes(6).toString('hex')}`, targetPort };
    this.#invites.set(callId, sent);
    const contact = options.contact ?? `sip:attacker@${this.address}:${this.port}`;
    this.#send(targetPort, [
      `INVITE sip:camera@${this.#target}:${targetPort} SIP/2.0`,
      ...this.#dialogHeaders(sent, 'INVITE', 1),
      `Contact: <${contact}>`,
      ...(options.headers ?? []),
      'Content-Type: application/sdp',
    ], options.sdp);
    return this.#waitFor((r) => r.callId === callId && r.cseq.method === 'INVITE' && r.status >= 200, options.timeoutMs ?? 5000);
  }

  /** Sends an OPTIONS to the camera (once) and resolves with its final response. */
  options(targetPort: number, timeoutMs = 5000): Promise<SipResponse> {
    const sent: SentInvite = { callId: `raw-${randomBytes(6).toString('hex')}`, fromTag: randomBytes(4).toString('hex'), branch: `z9hG4bK-${randomBytes(6).toString('hex')}`, targetPort };
    this.#send(targetPort, [`OPTIONS sip:camera@${this.#target}:${targetPort} SIP/2.0`, ...this.#dialogHeaders(sent, 'OPTIONS', 1)], '');
    return this.#waitFor((r) => r.callId === sent.callId && r.status >= 200, timeoutMs);
  }

  /** ACKs a final response to one of our INVITEs (a 2xx ACK is its own transaction, §17.1.1.3). */
  ack(response: SipResponse, sdp?: string): void {
    const sent = this.#invites.get(response.callId);
    if (!sent) throw new Error(`no INVITE with Call-ID ${response.callId}`);
    const branch = response.status >= 300 ? sent.branch : `z9hG4bK-${randomBytes(6).toString('hex')}`;
    this.#send(sent.targetPort, [
      `ACK sip:camera@${this.#target}:${sent.targetPort} SIP/2.0`,
      ...this.#dialogHeaders({ ...sent, branch }, 'ACK', response.cseq.seq, response.to.tag),
      ...(sdp ? ['Content-Type: application/sdp'] : []),
    ], sdp ?? '');
  }

  close(): void {
    this.#socket.close();
  }

  #dialogHeaders(sent: SentInvite, method: string, seq: number, toTag?: string): string[] {
    return [
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=${sent.branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:attacker@${this.address}>;tag=${sent.fromTag}`,
      `To: <sip:camera@${this.#target}:${sent.targetPort}>${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${sent.callId}`,
      `CSeq: ${seq} ${method}`,
    ];
  }

  #send(port: number, headers: string[], body: string): void {
    const message = [...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    this.#socket.send(message, port, this.#target);
  }

  #waitFor(match: (response: SipResponse) => boolean, timeoutMs: number): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.responses.find(match);
        if (!found) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no final response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}
