/**
 * Free port allocation for tests that must tell a spawned peer (baresip, sipp, kamailio,
 * linphonec) which port to use. Our own servers bind port 0 instead; these helpers are for
 * programs that need a number up front. A port is probed by binding it and letting it go,
 * so another process could take it in between; with tests running one file at a time
 * (vitest.config.ts) that race is rare enough.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';

function probeTcp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

function probeUdp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address: HOST, port, exclusive: true }, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** A TCP port nobody listens on right now (on 127.0.0.1). */
export async function freeTcpPort(): Promise<number> {
  const port = await probeTcp(0);
  if (port === undefined) throw new Error('no free TCP port');
  return port;
}

/** A UDP port nobody has bound right now (on 127.0.0.1). */
export async function freeUdpPort(): Promise<number> {
  const port = await probeUdp(0);
  if (port === undefined) throw new Error('no free UDP port');
  return port;
}

/** A port free for both UDP and TCP, as a SIP peer listening on both needs. */
export async function freeSipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freeTcpPort();
    if ((await probeUdp(port)) === port) return port;
  }
  throw new Error('no port free for both UDP and TCP');
}
