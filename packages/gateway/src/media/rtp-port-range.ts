import { createSocket, type Socket } from 'node:dgram';
import { ValidationError } from '../core/errors.ts';

/** Every port of the range is taken (by our calls or other programs). */
export class RtpPortsExhaustedError extends Error {
  override name = 'RtpPortsExhaustedError';
}

/** An RTP socket on an even port and the RTCP socket on the next one (RFC 3550 §11). */
export interface RtpSocketPair {
  readonly port: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

/**
 * Hands out RTP/RTCP port pairs from a configured range. Ports are tried round-robin from
 * where the last allocation stopped, so a port just released is not reused at once and
 * stray packets of an ended call do not land in the next one.
 */
export class RtpPortRange {
  readonly #min: number;
  readonly #max: number;
  readonly #inUse = new Set<number>();
  #cursor: number;

  constructor(portMin: number, portMax: number) {
    const min = portMin + (portMin % 2);
    if (!Number.isInteger(portMin) || !Number.isInteger(portMax) || min + 1 > portMax || portMax > 65535 || portMin < 1024) {
      throw new ValidationError('rtp.portMin', `RTP port range ${portMin}-${portMax} must hold an even/odd pair within 1024-65535`);
    }
    this.#min = min;
    this.#max = portMax;
    this.#cursor = min;
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  /** Binds a pair here (this thread's sockets). */
  async bindPair(address: string): Promise<RtpSocketPair> {
    return (await this.allocate((port) => bindPairAt(address, port))).value;
  }

  /**
   * Takes the next free pair whose port `bind` manages to bind (wherever it binds them: an
   * audio thread binds its calls' pairs); `bind` returns undefined when the port is taken.
   */
  async allocate<T>(bind: (port: number) => Promise<T | undefined>): Promise<{ port: number; value: T }> {
    const pairs = Math.floor((this.#max - this.#min + 1) / 2);
    for (let attempt = 0; attempt < pairs; attempt++) {
      const port = this.#cursor;
      this.#cursor = port + 2 + 1 > this.#max ? this.#min : port + 2;
      if (this.#inUse.has(port)) continue;
      this.#inUse.add(port);
      let value: T | undefined;
      try {
        value = await bind(port);
      } catch (error) {
        this.#inUse.delete(port);
        throw error;
      }
      if (value !== undefined) return { port, value };
      this.#inUse.delete(port);
    }
    throw new RtpPortsExhaustedError(`no free RTP port pair in ${this.#min}-${this.#max}`);
  }

  release(port: number): void {
    this.#inUse.delete(port);
  }
}

/** The RTP socket at `port` and the RTCP one at `port + 1`; undefined when either is taken. */
export async function bindPairAt(address: string, port: number): Promise<RtpSocketPair | undefined> {
  const rtp = await bindUdp(address, port);
  if (!rtp) return undefined;
  const rtcp = await bindUdp(address, port + 1);
  if (!rtcp) {
    rtp.close();
    return undefined;
  }
  return { port, rtp, rtcp };
}

export function bindUdp(address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address, port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
