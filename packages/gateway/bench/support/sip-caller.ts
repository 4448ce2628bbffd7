/**
 * The signalling half of a scripted phone for benchmarks of the whole gateway: a tiny SIP
 * UAC over UDP loopback, built on the gateway's own message layer. INVITE -> final
 * response -> ACK; BYE; requests from the camera (its BYE) get 200 OK. No retransmissions:
 * loopback does not lose datagrams.
 *
 *   const caller = await SipCaller.open(gatewaySipPort);
 *   const dialog = await caller.invite(phone.offer());   // throws unless 2xx
 *   await caller.bye(dialog);
 *   caller.close();
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
  type SipResponse,
} from '../../src/sip/message/index.ts';

const HOST = '127.0.0.1';
const RESPONSE_TIMEOUT_MS = 10_000;

export interface CallerDialog {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
  readonly answerSdp: string;
}

export class SipCaller {
  readonly #socket: Socket;
  readonly #waiting = new Map<string, (response: SipResponse) => void>();

  private constructor(
    socket: Socket,
    readonly gatewayPort: number,
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

  static async open(gatewayPort: number): Promise<SipCaller> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    return new SipCaller(socket, gatewayPort);
  }

  /** Calls the camera with `offerSdp`; resolves once the 200 OK is ACKed. */
  async invite(offerSdp: string): Promise<CallerDialog> {
    const callId = newCallId();
    const fromTag = newTag();
    const answered = this.#finalResponse(callId, 'INVITE');
    this.#send(this.#request('INVITE', callId, fromTag, undefined, 1, offerSdp));
    const response = await answered;
    if (response.status >= 300) throw new Error(`INVITE answered ${response.status} ${response.reason}`);
    const toTag = response.to.tag ?? '';
    this.#send(this.#request('ACK', callId, fromTag, toTag, 1));
    return { callId, fromTag, toTag, answerSdp: response.body.toString('utf8') };
  }

  async bye(dialog: CallerDialog): Promise<void> {
    const done = this.#finalResponse(dialog.callId, 'BYE');
    this.#send(this.#request('BYE', dialog.callId, dialog.fromTag, dialog.toTag, 2));
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

  #request(method: string, callId: string, fromTag: string, toTag: string | undefined, seq: number, sdp = ''): SipRequest {
    const local = `${HOST}:${this.#socket.address().port}`;
    return new SipRequest(method, parseSipUri(`sip:camera@${HOST}:${this.gatewayPort}`), {
      headers: [
        ['Via', `SIP/2.0/UDP ${local};branch=${newBranch()};rport`],
        ['Max-Forwards', 70],
        ['From', `<sip:bench@${local}>;tag=${fromTag}`],
        ['To', `<sip:camera@${HOST}:${this.gatewayPort}>${toTag ? `;tag=${toTag}` : ''}`],
        ['Call-ID', callId],
        ['CSeq', `${seq} ${method}`],
        ['Contact', `<sip:bench@${local}>`],
        ...(sdp ? [['Content-Type', 'application/sdp'] as [string, string]] : []),
      ],
      body: sdp,
    });
  }

  #send(request: SipRequest): void {
    this.#socket.send(request.toBuffer(), this.gatewayPort, HOST);
  }
}
