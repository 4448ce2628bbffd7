/**
 * Hand-written SIP for attacks: requests a real phone would never send (a third party's
 * address in SDP, never an ACK, a replayed digest), sent from a chosen loopback source over
 * UDP, TCP or WebSocket, and the answers collected.
 */
import { randomBytes } from 'node:crypto';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { udpSocket } from './sources.ts';

export interface SipRequestSpec {
  method: string;
  /** Request-URI, e.g. `sip:camera@127.0.0.1:5060`. */
  uri: string;
  transport: 'UDP' | 'TCP' | 'WS';
  /** sent-by of the Via: where the answers should go. */
  viaHost: string;
  viaPort: number;
  /** Ask for rport (RFC 3581, default): answers then go to the packet's source port. */
  rport?: boolean;
  from: string;
  fromTag?: string;
  to?: string;
  callId?: string;
  cseq?: number;
  contact?: string;
  headers?: [string, string][];
  body?: string;
  /** Content-Type of the body; application/sdp by default. */
  contentType?: string;
}

export const newId = () => randomBytes(8).toString('hex');

/** One SIP request as text (with the CRLFs and Content-Length it needs). */
export function sipRequest(s: SipRequestSpec): string {
  const body = s.body ?? '';
  const lines = [
    `${s.method} ${s.uri} SIP/2.0`,
    `Via: SIP/2.0/${s.transport} ${s.viaHost}:${s.viaPort};branch=z9hG4bK${newId()}${s.rport === false ? '' : ';rport'}`,
    'Max-Forwards: 70',
    `From: <${s.from}>;tag=${s.fromTag ?? newId()}`,
    `To: <${s.to ?? s.uri}>`,
    `Call-ID: ${s.callId ?? newId()}`,
    `CSeq: ${s.cseq ?? 1} ${s.method}`,
    ...(s.contact ? [`Contact: <${s.contact}>`] : []),
    'User-Agent: camgate-attack-suite',
    ...(s.headers ?? []).map(([name, value]) => `${name}: ${value}`),
    ...(body ? [`Content-Type: ${s.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** An SDP offer of PCMU + telephone-event whose media goes to `address`:`port`. */
export function sdpOffer(address: string, port: number | string): string {
  return [
    'v=0',
    `o=attacker 1 1 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export interface SipAnswer {
  /** Status code for a response, 0 for a request. */
  status: number;
  /** The request method, or the method of a response's CSeq. */
  method: string;
  callId: string;
  text: string;
  /** A header's first value (name case-insensitive). */
  header(name: string): string | undefined;
}

export function parseSipMessage(text: string): SipAnswer {
  const head = text.split('\r\n\r\n')[0] ?? '';
  const [first = '', ...lines] = head.split('\r\n');
  const header = (name: string) => {
    const wanted = name.toLowerCase();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
    }
    return undefined;
  };
  const status = first.startsWith('SIP/2.0 ') ? Number(first.split(' ')[1]) : 0;
  const method = status ? (header('CSeq') ?? '').split(/\s+/)[1] ?? '' : first.split(' ')[0] ?? '';
  return { status, method, callId: header('Call-ID') ?? header('i') ?? '', text, header };
}

/** Collects SIP messages arriving on some socket and lets a test wait for one. */
class Inbox {
  readonly messages: SipAnswer[] = [];
  readonly #waiters = new Set<() => void>();

  push(message: SipAnswer): void {
    this.messages.push(message);
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** The first message (already arrived or coming) matching `predicate`, or undefined after `timeoutMs`. */
  waitFor(predicate: (m: SipAnswer) => boolean, timeoutMs = 5000): Promise<SipAnswer | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.messages.find(predicate);
        if (found) finish(found);
      };
      const finish = (found: SipAnswer | undefined) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** The final response (>= 200) to the request with this Call-ID. */
  finalResponse(callId: string, timeoutMs = 5000): Promise<SipAnswer | undefined> {
    return this.waitFor((m) => m.callId === callId && m.status >= 200, timeoutMs);
  }
}

/** A SIP endpoint on UDP at `address`: sends requests, keeps everything that arrives. */
export class UdpSipPeer extends Inbox {
  private constructor(readonly socket: UdpSocket) {
    super();
    socket.on('message', (data) => this.push(parseSipMessage(data.toString('latin1'))));
  }

  static async open(address: string, port = 0): Promise<UdpSipPeer> {
    return new UdpSipPeer(await udpSocket(address, port));
  }

  get address(): string {
    return this.socket.address().address;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string, port: number, host = '127.0.0.1'): void {
    this.socket.send(Buffer.from(text, 'latin1'), port, host);
  }

  /**
   * Sends `method` to the gateway at 127.0.0.1:`port` as `user` at this peer's address (Via,
   * From and, unless given, Contact); returns the Call-ID.
   */
  request(method: 'INVITE' | 'OPTIONS', uri: string, port: number, o: { user: string; sdp?: string; contact?: string; callId?: string }): string {
    const callId = o.callId ?? newId();
    const contact = o.contact ?? `sip:${o.user}@${this.address}:${this.port}`;
    this.send(
      sipRequest({ method, uri, transport: 'UDP', viaHost: this.address, viaPort: this.port, from: `sip:${o.user}@${this.address}`, callId, contact, ...(o.sdp && { body: o.sdp }) }),
      port,
    );
    return callId;
  }

  close(): void {
    this.socket.close();
  }
}

/** A SIP client connection over TCP from `address`, answers framed by Content-Length. */
export class TcpSipPeer extends Inbox {
  #buffer = '';

  private constructor(readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('latin1');
      for (;;) {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/^content-length:\s*(\d+)/im.exec(this.#buffer.slice(0, end))?.[1] ?? 0);
        if (this.#buffer.length < end + 4 + length) return;
        this.push(parseSipMessage(this.#buffer.slice(0, end + 4 + length)));
        this.#buffer = this.#buffer.slice(end + 4 + length);
      }
    });
    socket.on('error', () => undefined);
  }

  static connect(address: string, port: number): Promise<TcpSipPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: address }, () => {
        socket.off('error', reject);
        resolve(new TcpSipPeer(socket));
      });
      socket.once('error', reject);
    });
  }

  get port(): number {
    return this.socket.localPort ?? 0;
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** SIP over WebSocket (RFC 7118, subprotocol `sip`) from `address`, as a browser softphone. */
export class WsSipPeer extends Inbox {
  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer) => this.push(parseSipMessage(data.toString('latin1'))));
    ws.on('error', () => undefined);
  }

  static connect(address: string, httpPort: number): Promise<WsSipPeer> {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/sip`, 'sip', { localAddress: address, origin: `http://127.0.0.1:${httpPort}` });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsSipPeer(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: ${res.statusCode}`)));
    });
  }

  send(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * Whether the gateway answers OPTIONS (200) to a newcomer at `address` over UDP: the
 * cheapest "is it still serving" question a SIP monitor asks.
 */
export async function optionsAnswered(sipPort: number, address: string, timeoutMs = 3000): Promise<number | undefined> {
  const peer = await UdpSipPeer.open(address);
  try {
    const callId = peer.request('OPTIONS', `sip:camera@127.0.0.1:${sipPort}`, sipPort, { user: 'monitor' });
    return (await peer.finalResponse(callId, timeoutMs))?.status;
  } finally {
    peer.close();
  }
}

/**
 * A whole call by hand over UDP, as a scripted attacker makes it: INVITE, ACK for the 200,
 * keys as SIP INFO (application/dtmf-relay), BYE. No media: an attacker needs none to type.
 */
export class ScriptedCall {
  #cseq = 1;
  #toHeader = '';
  #remoteTarget = '';

  private constructor(
    readonly peer: UdpSipPeer,
    readonly callId: string,
    readonly fromHeader: string,
    readonly gatewayPort: number,
  ) {}

  /** Dials `uri` presenting `aor` as From; resolves with the call once answered, or the refusal's status. */
  static async dial(peer: UdpSipPeer, uri: string, gatewayPort: number, aor: string, sdp: string): Promise<ScriptedCall | number> {
    const callId = newId();
    const fromHeader = `<${aor}>;tag=${newId()}`;
    peer.send(
      sipRequest({ method: 'INVITE', uri, transport: 'UDP', viaHost: peer.address, viaPort: peer.port, from: aor, fromTag: fromHeader.split('tag=')[1], callId, contact: `sip:caller@${peer.address}:${peer.port}`, body: sdp }),
      gatewayPort,
    );
    const answer = await peer.finalResponse(callId, 10_000);
    if (!answer || answer.status >= 300) return answer?.status ?? 408;
    const call = new ScriptedCall(peer, callId, fromHeader, gatewayPort);
    call.#toHeader = answer.header('To') ?? '';
    call.#remoteTarget = /<([^>]+)>/.exec(answer.header('Contact') ?? '')?.[1] ?? uri;
    call.#inDialog('ACK', 1);
    return call;
  }

  /** Types `keys` as SIP INFO, one request per key, `gapMs` apart. */
  async keys(keys: string, gapMs = 150): Promise<void> {
    for (const key of keys) {
      this.#inDialog('INFO', ++this.#cseq, 'application/dtmf-relay', `Signal=${key}\r\nDuration=160\r\n`);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Whether the gateway hung up (sent BYE). */
  get ended(): boolean {
    return this.peer.messages.some((m) => m.status === 0 && m.method === 'BYE' && m.callId === this.callId);
  }

  hangUp(): void {
    if (!this.ended) this.#inDialog('BYE', ++this.#cseq);
  }

  #inDialog(method: string, cseq: number, contentType?: string, body = ''): void {
    const lines = [
      `${method} ${this.#remoteTarget} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.peer.address}:${this.peer.port};branch=z9hG4bK${newId()};rport`,
      'Max-Forwards: 70',
      `From: ${this.fromHeader}`,
      `To: ${this.#toHeader}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      ...(contentType ? [`Content-Type: ${contentType}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    this.peer.send(lines.join('\r\n'), this.gatewayPort);
  }
}
