/**
 * The signalling half of a scripted phone for benchmarks of the whole gateway: a tiny SIP
 * UAC over UDP loopback, built on the gateway's own message layer. INVITE -> final
 * response -> ACK; BYE; requests from the camera (its BYE) get 200 OK. No retransmissions:
 * loopback does not lose datagrams (pace the calls so that no receive buffer overflows).
 *
 *   const caller = await SipCaller.open(gatewaySipPort);
 *   const dialog = await caller.invite(phone.offer());   // throws unless 2xx
 *   await caller.bye(dialog);
 *   caller.close();
 *
 * Through a proxy (Kamailio), from a caller address of its own:
 *   SipCaller.open(proxy.port, { host: proxy.host, localHost: '127.0.1.1' }): every request
 *   goes to the proxy; ACK and BYE carry the Record-Route it added as their Route and the
 *   callee's Contact as their Request-URI (RFC 3261 12.1.2, 12.2.1.1: loose routing).
 */
import { createSocket, type Socket } from 'node:dgram';

import {
  SipRequest,
  createResponse,
  newBranch,
  newCallId,
  newTag,
  parseMessage,
  parseSipUri,
  type NameAddr,
  type SipResponse,
  type Uri,
} from '../../src/sip/message/index.ts';

const RESPONSE_TIMEOUT_MS = 10_000;

export interface CallerDialog {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
  readonly answerSdp: string;
  /** Request-URI of in-dialog requests: the callee's Contact (the camera's URI without one). */
  readonly remoteTarget: Uri;
  /** Route of in-dialog requests: the 2xx's Record-Route, reversed. */
  readonly routeSet: readonly NameAddr[];
}

export interface SipCallerOptions {
  /** Where requests go: the gateway, or a proxy in front of it; default 127.0.0.1. */
  host?: string;
  /** The caller's own address; default 127.0.0.1. */
  localHost?: string;
}

export class SipCaller {
  readonly #socket: Socket;
  readonly #waiting = new Map<string, (response: SipResponse) => void>();

  private constructor(
    socket: Socket,
    readonly gatewayPort: number,
    readonly gatewayHost: string,
  ) {
    this.#socket = socket;
    socket.on('message', (data, from) => {
      const parsed = parseMessage(data);
      if (!parsed.ok) return;
      const message = parsed.message;
      if (message.isRequest()) {
        if (message.method !== 'ACK') this.#socket.send(createResponse(message, 200).toBuffer(), from.port, from.address);
        return;
      }
      if (message.status < 200) return;
      const key = `${message.callId} ${message.cseq.method}`;
      this.#waiting.get(key)?.(message);
      this.#waiting.delete(key);
    });
  }

  static async open(gatewayPort: number, options: SipCallerOptions = {}): Promise<SipCaller> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, options.localHost ?? '127.0.0.1', resolve));
    return new SipCaller(socket, gatewayPort, options.host ?? '127.0.0.1');
  }

  /** Calls the camera with `offerSdp`; resolves once the 200 OK is ACKed. */
  async invite(offerSdp: string): Promise<CallerDialog> {
    const callId = newCallId();
    const fromTag = newTag();
    const answered = this.#finalResponse(callId, 'INVITE');
    this.#send(this.#request('INVITE', { callId, fromTag, remoteTarget: this.#cameraUri(), routeSet: [] }, 1, offerSdp));
    const response = await answered;
    if (response.status >= 300) throw new Error(`INVITE answered ${response.status} ${response.reason}`);
    const dialog: CallerDialog = {
      callId,
      fromTag,
      toTag: response.to.tag ?? '',
      answerSdp: response.body.toString('utf8'),
      remoteTarget: response.contacts[0]?.uri ?? this.#cameraUri(),
      routeSet: [...response.recordRoutes].reverse(),
    };
    this.#send(this.#request('ACK', dialog, 1));
    return dialog;
  }

  async bye(dialog: CallerDialog): Promise<void> {
    const done = this.#finalResponse(dialog.callId, 'BYE');
    this.#send(this.#request('BYE', dialog, 2));
    await done;
  }

  close(): void {
    this.#socket.close();
  }

  #finalResponse(callId: string, method: string): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const key = `${callId} ${method}`;
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        reject(new Error(`no final response to ${method}`));
      }, RESPONSE_TIMEOUT_MS);
      this.#waiting.set(key, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  #cameraUri(): Uri {
    return parseSipUri(`sip:camera@${this.gatewayHost}:${this.gatewayPort}`);
  }

  /** A request of the dialog (`toTag` set) or of the call that starts it. */
  #request(method: string, dialog: Omit<CallerDialog, 'toTag' | 'answerSdp'> & { toTag?: string }, seq: number, sdp = ''): SipRequest {
    const { address, port } = this.#socket.address();
    const local = `${address}:${port}`;
    return new SipRequest(method, dialog.remoteTarget, {
      headers: [
        ['Via', `SIP/2.0/UDP ${local};branch=${newBranch()};rport`],
        ...dialog.routeSet.map((route) => ['Route', route] as [string, NameAddr]),
        ['Max-Forwards', 70],
        ['From', `<sip:bench@${local}>;tag=${dialog.fromTag}`],
        ['To', `<${this.#cameraUri().toString()}>${dialog.toTag ? `;tag=${dialog.toTag}` : ''}`],
        ['Call-ID', dialog.callId],
        ['CSeq', `${seq} ${method}`],
        ['Contact', `<sip:bench@${local}>`],
        ...(sdp ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
      ],
      body: sdp,
    });
  }

  /** Every request goes to the gateway or proxy given at open (the proxy is the first Route, loose routing). */
  #send(request: SipRequest): void {
    this.#socket.send(request.toBuffer(), this.gatewayPort, this.gatewayHost);
  }
}
