/**
 * RTP as a stranger sends it (RFC 3550 packets, RFC 4733 key events) and a UDP sink that
 * counts what a victim address receives.
 */
import type { Socket } from 'node:dgram';
import { udpSocket } from './sources.ts';

export const PCMU = 0;
/** What baresip and most phones offer for telephone-event; a stranger guesses the same. */
export const TELEPHONE_EVENT = 101;
const EVENT_CODES: Record<string, number> = { '*': 10, '#': 11 };

export function rtpPacket(o: { payloadType: number; sequence: number; timestamp: number; ssrc: number; marker?: boolean; payload: Buffer }): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (o.marker ? 0x80 : 0) | o.payloadType;
  header.writeUInt16BE(o.sequence & 0xffff, 2);
  header.writeUInt32BE(o.timestamp >>> 0, 4);
  header.writeUInt32BE(o.ssrc >>> 0, 8);
  return Buffer.concat([header, o.payload]);
}

/**
 * One stream of in-sequence packets: `audio(n)` PCMU silence frames, `key(k)` an RFC 4733
 * key press (start, continuation, three end packets with the E bit, one timestamp).
 */
export class RtpStream {
  #sequence = Math.floor(Math.random() * 30_000);
  #timestamp = Math.floor(Math.random() * 1e9);
  readonly #ssrc = Math.floor(Math.random() * 0xffffffff);

  audio(frames: number): Buffer[] {
    return Array.from({ length: frames }, () => {
      this.#timestamp += 160;
      return rtpPacket({ payloadType: PCMU, sequence: this.#sequence++, timestamp: this.#timestamp, ssrc: this.#ssrc, payload: Buffer.alloc(160, 0xff) });
    });
  }

  key(key: string): Buffer[] {
    const code = EVENT_CODES[key] ?? Number(key);
    this.#timestamp += 160;
    const event = (duration: number, end: boolean) => Buffer.from([code, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
    const packets = [event(160, false), event(320, false), event(640, false), event(800, true), event(800, true), event(800, true)];
    return packets.map((payload, i) =>
      rtpPacket({ payloadType: TELEPHONE_EVENT, marker: i === 0, sequence: this.#sequence++, timestamp: this.#timestamp, ssrc: this.#ssrc, payload }),
    );
  }
}

/** A UDP socket on a victim's address that counts (and keeps a few of) the datagrams it gets. */
export class UdpSink {
  count = 0;
  readonly first: Buffer[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (data) => {
      this.count++;
      if (this.first.length < 20) this.first.push(data);
    });
  }

  static async open(address: string, port = 0): Promise<UdpSink> {
    return new UdpSink(await udpSocket(address, port));
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}
