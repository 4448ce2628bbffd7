/**
 * A throw-away PostgreSQL 15 server for tests (Debian's binaries): initdb into a temp dir,
 * trust authentication, fsync off, listening on 127.0.0.1 on a free port and on a unix socket
 * in that dir. PostgreSQL refuses to run as root, so under root it runs as `nobody`.
 *
 *   const pg = await TestPostgres.start();
 *   const url = await pg.createDatabase();   // a fresh, empty database per test
 *   await pg.stop(); await pg.start();       // a server outage, same port and data
 *   await pg.close();
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { freeTcpPort } from './ports.ts';
import { PeerProcess } from './process.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'postgres';
/** nobody:nogroup: an unprivileged user every Debian system has. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };
const READY = /database system is ready to accept connections/;

/** The rows of one statement on the database at `url`, over a connection of its own. */
export async function queryPostgres<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Runs a PostgreSQL program as an unprivileged user when the tests run as root. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['setpriv', [`--reuid=${UNPRIVILEGED.uid}`, `--regid=${UNPRIVILEGED.gid}`, '--clear-groups', command, ...args]];
}

export class TestPostgres {
  #server: PeerProcess | undefined;
  #databases = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<TestPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'camgate-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
    const [command, args] = asPostgresUser(`${BIN}/initdb`, ['-D', join(dir, 'data'), '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const init = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
    const server = new TestPostgres(dir, await freeTcpPort());
    await server.start();
    return server;
  }

  /** Starts the server (again, after stop()): same port, same data. */
  async start(): Promise<void> {
    const [command, args] = asPostgresUser(`${BIN}/postgres`, [
      '-D', join(this.dir, 'data'), '-h', '127.0.0.1', '-p', String(this.port), '-k', this.dir,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50',
    ]);
    this.#server = new PeerProcess('postgres', command, args);
    await this.#server.waitForOutput(READY, 30_000);
  }

  /** Fast shutdown (SIGINT): open connections are cut, as in a server restart. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server?.running) return;
    server.child.kill('SIGINT');
    await server.exited;
  }

  /** A connection URL of `database` as the superuser. */
  url(database: string): string {
    return `postgres://${SUPERUSER}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database; returns its URL. */
  async createDatabase(): Promise<string> {
    const name = `camgate_test_${++this.#databases}`;
    await queryPostgres(this.url('postgres'), `CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** Stops the server and deletes its files. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
