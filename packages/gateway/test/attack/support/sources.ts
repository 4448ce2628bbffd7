/**
 * Distinct attack sources on one machine: every 127.0.0.x is a loopback address of its own,
 * so a socket bound to 127.0.0.7 is, to the gateway, another host than one on 127.0.0.8.
 * Each attack file takes its own block of numbers (see the files) so their sources never
 * share a rate-limit bucket or a lock-out.
 */
import { createSocket, type Socket } from 'node:dgram';
import { request } from 'node:http';

/** The loopback address 127.0.0.n (n in 2..254). */
export function source(n: number): string {
  if (!Number.isInteger(n) || n < 2 || n > 254) throw new RangeError(`no loopback source ${n}`);
  return `127.0.0.${n}`;
}

/**
 * `count` distinct addresses 127.<block>.x.y (never .0 or .255), for attacks that need more
 * sources than 127.0.0.x offers: a crowd below each one's rate limit.
 */
export function crowd(block: number, count: number): string[] {
  if (!Number.isInteger(block) || block < 1 || block > 254) throw new RangeError(`no loopback block ${block}`);
  const addresses: string[] = [];
  for (let i = 0; addresses.length < count; i++) {
    if (i >= 65_536) throw new RangeError(`a block holds fewer than ${count} sources`);
    const last = i & 255;
    if (last !== 0 && last !== 255) addresses.push(`127.${block}.${i >> 8}.${last}`);
  }
  return addresses;
}

/** A UDP socket bound to `address` on an ephemeral port. */
export async function udpSocket(address: string, port = 0): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined); // ICMP unreachable from a port scan is expected
  return socket;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string[] | undefined>;
  body: string;
  /** Milliseconds from sending to the complete answer. */
  elapsedMs: number;
}

/** One HTTP request to 127.0.0.1:`port` from the local address `from`. */
export function httpFrom(
  from: string,
  o: { port: number; method: string; path: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
): Promise<HttpAnswer> {
  const started = performance.now();
  const raw = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string> = {
    ...(raw && !Buffer.isBuffer(o.body) && { 'content-type': 'application/json' }),
    ...(raw && { 'content-length': String(raw.length) }),
    ...o.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: o.port, localAddress: from, method: o.method, path: o.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const multi: Record<string, string[] | undefined> = {};
        for (const [name, value] of Object.entries(res.headers)) multi[name] = value === undefined ? undefined : ([] as string[]).concat(value);
        resolve({ status: res.statusCode ?? 0, headers: multi, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.setTimeout(o.timeoutMs ?? 30_000, () => req.destroy(new Error(`${o.method} ${o.path}: no answer within ${o.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(raw);
  });
}
