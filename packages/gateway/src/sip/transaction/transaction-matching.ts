/**
 * Transaction matching keys (RFC 3261 17.1.3, 17.2.3).
 *
 * Server: branch + sent-by + method, where an ACK matches its INVITE and a CANCEL has a
 * transaction of its own. Requests without an RFC 3261 branch (RFC 2543 peers, or a bare
 * magic cookie as in RFC 4475 3.2.1) fall back to Request-URI, From tag, Call-ID, CSeq
 * number and top Via.
 * Client: branch + CSeq method of the response.
 */
import type { SipRequest, SipResponse } from '../message/message.ts';
import { BRANCH_MAGIC_COOKIE } from '../message/via.ts';

export function serverTransactionKey(request: SipRequest, method: string = request.method === 'ACK' ? 'INVITE' : request.method): string {
  const via = request.via;
  const branch = via.branch;
  if (branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length) {
    return `${branch}|${via.sentBy}|${method}`;
  }
  return ['2543', request.uri.toString(), request.from.tag ?? '', request.callId, request.cseq.seq, via.sentBy, branch ?? '', method].join('|');
}

export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function responseTransactionKey(response: SipResponse): string {
  return clientTransactionKey(response.via.branch ?? '', response.cseq.method);
}
