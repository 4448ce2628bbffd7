/** CSeq (RFC 3261 20.16): a 32-bit unsigned sequence number and the request method. */
import { badRequest, isToken } from './grammar.ts';

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

const MAX_SEQ = 2 ** 32 - 1;

export function parseCSeq(text: string): CSeq {
  const m = /^(\d{1,10})[ \t]+(\S+)$/.exec(text.trim());
  if (!m || !isToken(m[2]!)) throw badRequest('Malformed CSeq');
  const seq = Number(m[1]);
  // RFC 4475 3.1.2.4: a sequence number beyond 2**32-1 is an error.
  if (seq > MAX_SEQ) throw badRequest('CSeq number out of range');
  return { seq, method: m[2]! };
}
