/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 18.3): header section up to the
 * blank line, then exactly Content-Length body bytes. Also recognises RFC 5626 4.4.1
 * keep-alives: a double CRLF "ping" (answered with a CRLF "pong" by the caller) and a
 * lone CRLF "pong" (ignored).
 *
 * Linear in the bytes received however they are chunked: appends go to a buffer that
 * grows by doubling, and the search for the blank line resumes where it stopped. (A peer
 * trickling a 64 KiB header one byte at a time must not cost a rescan per byte.)
 *
 * Throws `SipError` when framing is lost (no Content-Length, message over 64 KiB): the
 * stream cannot be resynchronised, so the caller closes the connection.
 */
import { SipError } from '../sip-error.ts';
import { contentLengthOf, findHeaderEnd, MAX_MESSAGE_SIZE } from '../message/parser.ts';

export type FramedUnit = { readonly kind: 'message'; readonly data: Buffer } | { readonly kind: 'ping' };

const CR = 0x0d;
const LF = 0x0a;
const MIN_CAPACITY = 4096;

export class StreamFramer {
  #storage: Buffer = Buffer.alloc(0);
  /** The unread bytes are `#storage[#start, #end)`. */
  #start = 0;
  #end = 0;
  /** How many unread bytes were already searched for the blank line, in vain. */
  #searched = 0;
  /** Length of the message whose header section is complete but whose body is not. */
  #awaiting: number | undefined;

  push(chunk: Buffer): FramedUnit[] {
    this.#append(chunk);
    const units: FramedUnit[] = [];
    for (;;) {
      const unit = this.#next();
      if (!unit) break;
      units.push(unit);
    }
    return units;
  }

  #append(chunk: Buffer): void {
    const unread = this.#end - this.#start;
    if (this.#end + chunk.length > this.#storage.length) {
      const grown = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, 2 * (unread + chunk.length)));
      this.#storage.copy(grown, 0, this.#start, this.#end);
      this.#storage = grown;
      this.#start = 0;
      this.#end = unread;
    }
    chunk.copy(this.#storage, this.#end);
    this.#end += chunk.length;
  }

  #consume(length: number): void {
    this.#start += length;
    this.#searched = 0;
    this.#awaiting = undefined;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  #next(): FramedUnit | undefined {
    const b = this.#storage.subarray(this.#start, this.#end);
    if (b[0] === CR && b[1] === LF) {
      if (b.length < 4 && (b.length === 2 || b[2] === CR)) return undefined; // could still become a ping
      const ping = b[2] === CR && b[3] === LF;
      this.#consume(ping ? 4 : 2);
      return ping ? { kind: 'ping' } : this.#next();
    }
    const total = this.#awaiting ?? this.#messageLength(b);
    if (total === undefined) return undefined;
    if (b.length < total) {
      this.#awaiting = total;
      return undefined;
    }
    const data = Buffer.from(b.subarray(0, total));
    this.#consume(total);
    return { kind: 'message', data };
  }

  /** Header section plus Content-Length, once the blank line is in; undefined before. */
  #messageLength(b: Buffer): number | undefined {
    // An LF seen last time may have lacked the bytes after it: look again from two before the end.
    const end = findHeaderEnd(b, Math.max(0, this.#searched - 2));
    if (!end) {
      if (b.length > MAX_MESSAGE_SIZE) throw new SipError(513, 'Message Too Large');
      this.#searched = b.length;
      return undefined;
    }
    const length = contentLengthOf(b.subarray(0, end.headEnd).toString('latin1'));
    if (length === undefined) throw new SipError(400, 'Missing Content-Length');
    const total = end.bodyStart + length;
    if (total > MAX_MESSAGE_SIZE) throw new SipError(513, 'Message Too Large');
    return total;
  }
}
