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
 * When framing is lost (no Content-Length, message over 64 KiB) the stream cannot be
 * resynchronised: the messages framed before it are still delivered, then one 'broken'
 * unit carrying the error and, when the blank line was found, the header section (so the
 * caller can answer it 400 before closing). Nothing is framed after that.
 */
import { SipError } from '../sip-error.ts';
import { contentLengthOf, findHeaderEnd, MAX_MESSAGE_SIZE } from '../message/parser.ts';

export type FramedUnit =
  | { readonly kind: 'message'; readonly data: Buffer }
  | { readonly kind: 'ping' }
  | { readonly kind: 'broken'; readonly error: SipError; readonly head?: Buffer };

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
  #broken = false;

  /** True while part of a message (or of a keep-alive) has arrived but not all of it. */
  get partial(): boolean {
    return this.#end > this.#start && !this.#broken;
  }

  push(chunk: Buffer): FramedUnit[] {
    if (this.#broken) return [];
    this.#append(chunk);
    const units: FramedUnit[] = [];
    try {
      for (;;) {
        const unit = this.#next();
        if (!unit) break;
        units.push(unit);
      }
    } catch (error) {
      if (!(error instanceof BrokenFraming)) throw error;
      this.#broken = true;
      units.push({ kind: 'broken', error: error.sipError, ...(error.head && { head: error.head }) });
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
      if (b.length > MAX_MESSAGE_SIZE) throw new BrokenFraming(new SipError(513, 'Message Too Large'));
      this.#searched = b.length;
      return undefined;
    }
    const broken = (error: SipError) => new BrokenFraming(error, Buffer.from(b.subarray(0, end.bodyStart)));
    let length: number | undefined;
    try {
      length = contentLengthOf(b.subarray(0, end.headEnd).toString('latin1'));
    } catch (error) {
      throw broken(error instanceof SipError ? error : new SipError(400, 'Malformed Content-Length'));
    }
    if (length === undefined) throw broken(new SipError(400, 'Missing Content-Length'));
    const total = end.bodyStart + length;
    if (total > MAX_MESSAGE_SIZE) throw broken(new SipError(513, 'Message Too Large'));
    return total;
  }
}

class BrokenFraming extends Error {
  constructor(
    readonly sipError: SipError,
    readonly head?: Buffer,
  ) {
    super(sipError.message);
  }
}
