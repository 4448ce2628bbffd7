/**
 * Transaction matching keys (RFC 3261 17.1.3, 17.2.3).
 *
 * Server: branch + sent-by + method, where an ACK matches its INVITE and a CANCEL has a
 * transaction of its own. Requests without an RFC 3261 branch (RFC 2543 peers, or a bare
 * magic cookie as in RFC 4475 3.2.1) use 17.2.3's backward-compatible rule: Request-URI,
 * To tag, From tag, Call-ID, CSeq and top Via; an ACK matches on all of those but the To
 * tag, which must be the one of the response the transaction sent (`ackMatches`).
 * Client: branch + CSeq method of the response.
 */
import type { SipRequest, SipResponse } from '../message/message.ts';

export function serverTransactionKey(
  request: SipRequest,
  method: string = request.method === 'ACK' ? 'INVITE' : request.method,
  toTag: string = request.to.tag ?? '',
): string {
  const via = request.via;
  const branch = via.branch;
  if (hasRfc3261Branch(request)) return `${branch}|${via.sentBy}|${method}`;
  return ['2543', request.uri.toString(), toTag, request.from.tag ?? '', request.callId, request.cseq.seq, via.sentBy, branch ?? '', method].join('|');
}

/**
 * Keys an ACK's INVITE transaction may have: its own key; for an RFC 2543 ACK also the
 * INVITE's without To tag (the tag came with our response), to be confirmed by `ackMatches`.
 */
export function ackTransactionKeys(ack: SipRequest): string[] {
  const key = serverTransactionKey(ack);
  if (hasRfc3261Branch(ack) || ack.to.tag === undefined) return [key];
  return [key, serverTransactionKey(ack, 'INVITE', '')];
}

/** 17.2.3: "the To tag of the ACK matches the To tag of the response sent by the server transaction". */
export function ackMatches(ack: SipRequest, lastResponse: SipResponse | undefined): boolean {
  return hasRfc3261Branch(ack) || lastResponse === undefined || lastResponse.to.tag === ack.to.tag;
}

function hasRfc3261Branch(request: SipRequest): boolean {
  return request.via.hasRfc3261Branch;
}

export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function responseTransactionKey(response: SipResponse): string {
  return clientTransactionKey(response.via.branch ?? '', response.cseq.method);
}
