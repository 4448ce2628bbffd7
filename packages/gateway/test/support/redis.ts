/**
 * A real redis-server (Debian `redis-server`) for a test, on 127.0.0.1 and a free port,
 * without persistence (a stopped server comes back empty, like a Redis restart that lost
 * its data).
 *
 *   const redis = await RedisServer.start();
 *   await startTestGateway(['--redis', redis.url]);
 *   await redis.stop();      // a Redis outage ...
 *   await redis.start();     // ... and it is back, same port
 *   await redis.close();     // always, e.g. in afterAll
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './ports.ts';
import { PeerProcess } from './process.ts';

export class RedisServer {
  #process: PeerProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freeTcpPort(), await mkdtemp(join(tmpdir(), 'camgate-redis-')));
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on its port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.#process?.running) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--protected-mode', 'no'];
    this.#process = new PeerProcess('redis-server', 'redis-server', args);
    await this.#process.waitForOutput(/Ready to accept connections/, 10_000);
  }

  /** Stops the server (its data is gone). */
  async stop(): Promise<void> {
    await this.#process?.stop();
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
