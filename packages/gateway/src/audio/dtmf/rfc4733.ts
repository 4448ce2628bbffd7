import { ValidationError } from '../../core/errors.ts';
import { ENGINE_RATE } from '../contracts.ts';
import type { DtmfKey } from './keys.ts';

/**
 * RFC 4733 telephone-events for DTMF (§3.2: events 0-9, 10 = *, 11 = #, 12-15 = A-D).
 * Payload (§2.3): event (8 bits) | E (1) | R (1) | volume (6, -dBm0) | duration (16, in
 * RTP timestamp units). All packets of one event carry the event's start timestamp.
 */

const EVENT_KEYS: readonly DtmfKey[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];
const PAYLOAD_BYTES = 4;
const MAX_DURATION = 0xffff;

export interface TelephoneEvent {
  /** Event code; 0-15 are DTMF keys. */
  readonly event: number;
  readonly end: boolean;
  /** Power level in -dBm0 (0 loudest, 63 quietest). */
  readonly volume: number;
  /** Event duration so far, in RTP timestamp units. */
  readonly duration: number;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < PAYLOAD_BYTES) {
    throw new ValidationError('payload', `telephone-event needs ${PAYLOAD_BYTES} bytes, got ${payload.length}`);
  }
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export function encodeTelephoneEvent(event: TelephoneEvent): Buffer {
  const out = Buffer.alloc(PAYLOAD_BYTES);
  out[0] = event.event;
  out[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  out.writeUInt16BE(Math.min(event.duration, MAX_DURATION), 2);
  return out;
}

function eventToKey(event: number): DtmfKey | undefined {
  return EVENT_KEYS[event];
}

function keyToEvent(key: DtmfKey): number {
  return EVENT_KEYS.indexOf(key);
}

/** Timestamps of recent events remembered for de-duplication (late end-packet retransmissions). */
const RECENT_EVENTS = 8;

/**
 * Turns a stream of telephone-event packets into key presses, each reported exactly once
 * and as early as possible: on the first packet of an event, whichever it is (the start
 * packet may be lost). Packets are grouped into events by RTP timestamp, so updates,
 * retransmitted start packets and the three end packets of one event count once.
 */
export class Rfc4733Receiver {
  /** Packets too short to parse, or carrying non-DTMF events. */
  ignored = 0;
  readonly #recent: number[] = [];
  /** The newest event, for recognising the segments of a long event (§2.5.1.3). */
  #current: { timestamp: number; event: number; ended: boolean; duration: number } | undefined;

  /** Returns the key when this packet starts a new event, otherwise null. */
  receive(timestamp: number, payload: Uint8Array): DtmfKey | null {
    let parsed: TelephoneEvent;
    try {
      parsed = parseTelephoneEvent(payload);
    } catch {
      this.ignored++;
      return null;
    }
    const key = eventToKey(parsed.event);
    if (!key) {
      this.ignored++;
      return null;
    }
    const ts = timestamp >>> 0;
    const current = this.#current;
    if (current && current.timestamp === ts) {
      current.ended ||= parsed.end;
      current.duration = Math.max(current.duration, parsed.duration);
      return null;
    }
    if (this.#recent.includes(ts)) return null;
    const continuesLongEvent =
      current !== undefined &&
      !current.ended &&
      current.event === parsed.event &&
      current.duration === MAX_DURATION &&
      ts === ((current.timestamp + MAX_DURATION) >>> 0);
    this.#current = { timestamp: ts, event: parsed.event, ended: parsed.end, duration: parsed.duration };
    this.#recent.push(ts);
    if (this.#recent.length > RECENT_EVENTS) this.#recent.shift();
    return continuesLongEvent ? null : key;
  }
}

export interface TelephoneEventPacket {
  readonly payload: Buffer;
  /** RFC 4733 §2.5.1.1: the marker bit is set on the first packet of an event. */
  readonly marker: boolean;
  /** When to send it, relative to the first packet. */
  readonly sendAtMs: number;
}

export interface KeyPressOptions {
  readonly durationMs?: number;
  /** -dBm0; 10 is a typical keypad level. */
  readonly volume?: number;
  readonly clockRate?: number;
  /** Interval of the in-progress updates (§2.5.1.2). */
  readonly updateIntervalMs?: number;
  /** Spacing of the three final packets (§2.5.1.4: the end packet is sent three times). */
  readonly endSpacingMs?: number;
}

/**
 * The packet sequence of one key press: a start packet (marker set), an update every
 * 50 ms carrying the duration so far, then the end packet three times. All packets use
 * the same RTP timestamp (the event's start); the caller numbers them consecutively.
 */
export function keyPressPackets(key: DtmfKey, options: KeyPressOptions = {}): TelephoneEventPacket[] {
  const durationMs = options.durationMs ?? 100;
  const volume = options.volume ?? 10;
  const clockRate = options.clockRate ?? ENGINE_RATE;
  const updateMs = options.updateIntervalMs ?? 50;
  const endSpacingMs = options.endSpacingMs ?? 20;
  if (durationMs <= 0 || (durationMs * clockRate) / 1000 > MAX_DURATION) {
    throw new ValidationError('durationMs', `must be positive and fit one RFC 4733 segment, got ${durationMs}`);
  }
  const event = keyToEvent(key);
  const units = (ms: number): number => Math.round((ms * clockRate) / 1000);
  const packets: TelephoneEventPacket[] = [];
  for (let t = 0; t < durationMs; t += updateMs) {
    packets.push({
      payload: encodeTelephoneEvent({ event, end: false, volume, duration: units(t) }),
      marker: t === 0,
      sendAtMs: t,
    });
  }
  for (let i = 0; i < 3; i++) {
    packets.push({
      payload: encodeTelephoneEvent({ event, end: true, volume, duration: units(durationMs) }),
      marker: false,
      sendAtMs: durationMs + i * endSpacingMs,
    });
  }
  return packets;
}
