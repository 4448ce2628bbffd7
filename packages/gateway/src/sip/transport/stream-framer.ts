/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 18.3): header section up to the
 * blank line, then exactly Content-Length body bytes. Also recognises RFC 5626 4.4.1
 * keep-alives: a double CRLF "ping" (answered with a CRLF "pong" by the caller) and a
 * lone CRLF "pong" (ignored).
 *
 * Throws `SipError` when framing is lost (no Content-Length, message over 64 KiB): the
 * stream cannot be resynchronised, so the caller closes the connection.
 */
import { SipError } from '../sip-error.ts';
import { contentLengthOf, findHeaderEnd, MAX_MESSAGE_SIZE } from '../message/parser.ts';

export type FramedUnit = { readonly kind: 'message'; readonly data: Buffer } | { readonly kind: 'ping' };

const CR = 0x0d;
const LF = 0x0a;

export class StreamFramer {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): FramedUnit[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const units: FramedUnit[] = [];
    for (;;) {
      const unit = this.#next();
      if (!unit) break;
      units.push(unit);
    }
    return units;
  }

  #next(): FramedUnit | undefined {
    const b = this.#buffer;
    if (b[0] === CR && b[1] === LF) {
      if (b.length < 4 && (b.length === 2 || b[2] === CR)) return undefined; // could still become a ping
      const ping = b[2] === CR && b[3] === LF;
      this.#buffer = b.subarray(ping ? 4 : 2);
      return ping ? { kind: 'ping' } : this.#next();
    }
    const end = findHeaderEnd(b);
    if (!end) {
      if (b.length > MAX_MESSAGE_SIZE) throw new SipError(513, 'Message Too Large');
      return undefined;
    }
    const length = contentLengthOf(b.subarray(0, end.headEnd).toString('latin1'));
    if (length === undefined) throw new SipError(400, 'Missing Content-Length');
    const total = end.bodyStart + length;
    if (total > MAX_MESSAGE_SIZE) throw new SipError(513, 'Message Too Large');
    if (b.length < total) return undefined;
    this.#buffer = b.subarray(total);
    return { kind: 'message', data: Buffer.from(b.subarray(0, total)) };
  }
}
