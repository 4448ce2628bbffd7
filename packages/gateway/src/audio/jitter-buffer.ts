import { InvalidStateError, ValidationError } from '../core/errors.ts';
import { FRAME_MS } from './contracts.ts';

/**
 * Jitter buffer for one RTP stream, one packet per 20 ms frame.
 *
 * Playout starts once the first packet has waited the target delay. After that each
 * `pop()` (called once per frame) releases the next sequence number. Adaptive but simple:
 * an underrun does not skip ahead, so the delay grows by what the network needed; when
 * the buffer has held more than the target for a while, one frame is dropped to bring the
 * delay back down. Sequence numbers are extended to 32 bits (wrap-around), and a jump
 * beyond RFC 3550 A.1's bounds or a new SSRC restarts the buffer.
 */

export type JitterBufferState = 'buffering' | 'playing';

const TRANSITIONS: Record<JitterBufferState, readonly JitterBufferState[]> = {
  buffering: ['playing'],
  playing: ['buffering'],
};

/** RFC 3550 A.1: further behind than this is a restarted sender, not a late packet. */
const MAX_MISORDER = 100;

export interface JitterBufferOptions {
  /** Delay before playout starts, and the level the buffer drains back to. Default 40 ms. */
  readonly targetDelayMs?: number;
  /** Upper bound of buffered audio; older frames are dropped beyond it. Default 300 ms. */
  readonly maxDelayMs?: number;
  /** How long the buffer must stay above target before one frame is dropped. Default 1 s. */
  readonly drainAfterMs?: number;
}

export type JitterBufferPop =
  | { readonly kind: 'frame'; readonly payload: Buffer; readonly sequenceNumber: number; readonly timestamp: number }
  /** A packet is missing but later ones are here: conceal it (codec.conceal()). */
  | { readonly kind: 'lost' }
  /** Nothing to play (not started, or underrun): play silence or concealment. */
  | { readonly kind: 'empty' };

export interface JitterBufferStats {
  received: number;
  played: number;
  /** Frames reported `lost` (concealed). */
  lost: number;
  /** Packets that arrived after their frame had been played or concealed. */
  late: number;
  duplicates: number;
  /** Frames dropped to shrink the delay or to stay within maxDelayMs. */
  dropped: number;
  underruns: number;
  resets: number;
}

interface BufferedPacket {
  readonly payload: Buffer;
  readonly sequenceNumber: number;
  readonly timestamp: number;
}

export class JitterBuffer {
  readonly stats: JitterBufferStats = {
    received: 0, played: 0, lost: 0, late: 0, duplicates: 0, dropped: 0, underruns: 0, resets: 0,
  };

  readonly #targetFrames: number;
  readonly #maxFrames: number;
  readonly #drainAfterFrames: number;
  readonly #packets = new Map<number, BufferedPacket>();
  #state: JitterBufferState = 'buffering';
  /** Highest extended sequence number seen; undefined before the first packet. */
  #highest: number | undefined;
  /** Extended sequence number the next pop plays. */
  #next = 0;
  #ssrc: number | undefined;
  /** Pops since the first packet while buffering. */
  #waited = 0;
  /** Consecutive pops with more than the target buffered. */
  #overTarget = 0;

  constructor(options: JitterBufferOptions = {}) {
    const target = options.targetDelayMs ?? 40;
    const max = options.maxDelayMs ?? 300;
    if (target < 0 || max < target + FRAME_MS) {
      throw new ValidationError('maxDelayMs', `must exceed targetDelayMs (${target}) by a frame`);
    }
    this.#targetFrames = Math.round(target / FRAME_MS);
    this.#maxFrames = Math.round(max / FRAME_MS);
    this.#drainAfterFrames = Math.round((options.drainAfterMs ?? 1000) / FRAME_MS);
  }

  get state(): JitterBufferState {
    return this.#state;
  }

  /** Frames buffered from the next one to play up to the newest. */
  get depthFrames(): number {
    return this.#highest === undefined ? 0 : Math.max(0, this.#highest - this.#next + 1);
  }

  push(sequenceNumber: number, timestamp: number, payload: Buffer, ssrc?: number): void {
    if (ssrc !== undefined) {
      if (this.#ssrc !== undefined && ssrc !== this.#ssrc) this.#reset();
      this.#ssrc = ssrc;
    }
    this.stats.received++;
    let extended = this.#highest === undefined ? sequenceNumber : this.#extend(sequenceNumber);
    if (this.#highest !== undefined) {
      const ahead = extended - this.#highest;
      if (ahead > this.#maxFrames + MAX_MISORDER || ahead < -MAX_MISORDER) {
        // A restarted or different stream: what is buffered belongs to the old one.
        this.#reset();
        extended = sequenceNumber;
      }
    }
    if (this.#highest === undefined) {
      this.#highest = extended;
      this.#next = extended;
    }
    if (extended < this.#next) {
      if (this.#state === 'playing') {
        this.stats.late++;
        return;
      }
      this.#next = extended; // reordered before playout started
    }
    if (this.#packets.has(extended)) {
      this.stats.duplicates++;
      return;
    }
    this.#packets.set(extended, { payload, sequenceNumber, timestamp });
    if (extended > this.#highest) this.#highest = extended;
    while (this.depthFrames > this.#maxFrames) this.#dropOldest();
  }

  /** Call once per 20 ms frame. */
  pop(): JitterBufferPop {
    if (this.#highest === undefined) return { kind: 'empty' };
    if (this.#state === 'buffering') {
      if (this.#waited++ < this.#targetFrames) return { kind: 'empty' };
      this.#transition('playing');
    }
    if (this.#next > this.#highest) {
      this.stats.underruns++;
      return { kind: 'empty' };
    }
    this.#drainIfOverTarget();
    const packet = this.#packets.get(this.#next);
    this.#next++;
    if (!packet) {
      this.stats.lost++;
      return { kind: 'lost' };
    }
    this.#packets.delete(this.#next - 1);
    this.stats.played++;
    return { kind: 'frame', ...packet };
  }

  #reset(): void {
    this.stats.resets++;
    this.#packets.clear();
    this.#highest = undefined;
    this.#next = 0;
    this.#waited = 0;
    this.#overTarget = 0;
    if (this.#state !== 'buffering') this.#transition('buffering');
  }

  #transition(to: JitterBufferState): void {
    if (!TRANSITIONS[this.#state].includes(to)) {
      throw new InvalidStateError(`jitter buffer cannot go from ${this.#state} to ${to}`);
    }
    this.#state = to;
  }

  /** RFC 3550 A.1: the 32-bit sequence number closest to the highest one seen. */
  #extend(sequenceNumber: number): number {
    const highest = this.#highest!;
    const delta = ((sequenceNumber - (highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return highest + delta;
  }

  #drainIfOverTarget(): void {
    // depth counts the frame about to be played; keep one frame of slack above target.
    if (this.depthFrames > this.#targetFrames + 1) {
      if (++this.#overTarget >= this.#drainAfterFrames) {
        this.#overTarget = 0;
        this.#dropOldest();
      }
    } else {
      this.#overTarget = 0;
    }
  }

  #dropOldest(): void {
    if (this.#packets.delete(this.#next)) this.stats.dropped++;
    this.#next++;
  }
}
