/** Shared unit-test helpers for the transaction state machines: messages and a recording transport fake. */
import { parseMessage, type SipMessage, type SipRequest, type SipResponse } from '../../../../src/sip/message/index.ts';
import type { TransactionTransport } from '../../../../src/sip/transaction/transaction.ts';

export function request(method: string, branch = 'z9hG4bKtest1', extra: string[] = []): SipRequest {
  const text = [
    `${method} sip:camera@192.0.2.10 SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=from1',
    'To: <sip:camera@192.0.2.10>',
    'Call-ID: call-1@192.0.2.1',
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || !result.message.isRequest()) throw new Error('bad request fixture');
  return result.message;
}

export function response(to: SipRequest, status: number, toTag = 'to1'): SipResponse {
  const text = [
    `SIP/2.0 ${status} Whatever`,
    ...to.headers.getAll('Via').map((v) => `Via: ${v}`),
    `From: ${to.headers.get('From')}`,
    `To: ${to.headers.get('To')};tag=${toTag}`,
    `Call-ID: ${to.callId}`,
    `CSeq: ${to.cseq.seq} ${to.cseq.method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.isRequest()) throw new Error('bad response fixture');
  return result.message;
}

/** Records what a transaction sends; `failing` makes every send fail like a refused connection. */
export class RecordingTransport implements TransactionTransport {
  readonly sent: SipMessage[] = [];
  failing = false;
  constructor(readonly reliable = false) {}

  send(message: SipMessage): Promise<void> {
    if (this.failing) return Promise.reject(new Error('ECONNREFUSED'));
    this.sent.push(message);
    return Promise.resolve();
  }

  /** Start lines of everything sent, in order. */
  get lines(): string[] {
    return this.sent.map((m) => m.toString().split('\r\n')[0]!);
  }
}

/** Lets rejected sends reach the transaction. */
export const flush = () => new Promise((resolve) => setImmediate(resolve));
