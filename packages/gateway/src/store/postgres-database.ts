import pg from 'pg';
import type { Logger } from '../core/logger.ts';
import { postgresDdl, postgresPlaceholders } from './dialect.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { sqlFor, type DatabaseHealth, type Sql, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.ts';

/** Connections per node: the gateway's writes go one at a time (outbox); reads are short. */
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 3000;
const QUERY_TIMEOUT_MS = 15_000;
/** How often an idle gateway checks the server is still there (the status shows it). */
const HEARTBEAT_MS = 2000;
/** pg_advisory_xact_lock key of the migrations ("camg" in ASCII): one node migrates, the others wait. */
const MIGRATION_LOCK = 0x63616d67;

// int8 (timestamps in milliseconds, ids) as numbers: every value stays below 2^53.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** The shared store of several gateways: a PostgreSQL server (`--database postgres://...`). */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres';
  #health: DatabaseHealth = { reachable: true, error: null };
  readonly #listeners: ((health: DatabaseHealth) => void)[] = [];
  readonly #heartbeat: NodeJS.Timeout;
  readonly #direct: SqlExecutor;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {
    this.#direct = executor((text, values) => this.#observe(pool.query(text, values)));
    this.#heartbeat = setInterval(() => void this.#direct.get('SELECT 1').catch(() => undefined), HEARTBEAT_MS).unref();
  }

  /** Connects and migrates; fails (naming the server's answer) when the server cannot be reached. */
  static async open(url: string, logger: Logger, migrations: readonly Migration[] = MIGRATIONS): Promise<PostgresDatabase> {
    // A cut network (no reset) ends a query by the timeout instead of holding the outbox forever.
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, keepAlive: true, types });
    // A connection the server drops while idle (restart) must not take the process down.
    pool.on('error', (error) => logger.warn({ err: error.message }, 'database connection lost'));
    try {
      await migrate(pool, logger, migrations);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresDatabase(pool, logger);
  }

  all<Row>(sql: Sql, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.#direct.all<Row>(sql, params);
  }

  get<Row>(sql: Sql, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.#direct.get<Row>(sql, params);
  }

  run(sql: Sql, params?: readonly SqlValue[]): Promise<number> {
    return this.#direct.run(sql, params);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#observe(this.pool.connect());
    let broken: unknown;
    try {
      await this.#observe(client.query('BEGIN'));
      const value = await work(executor((text, values) => this.#observe(client.query(text, values))));
      await this.#observe(client.query('COMMIT'));
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
      throw error;
    } finally {
      // A connection that failed mid-transaction is dropped, not handed to the next writer.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  /** Errors without a server answer (refused, reset, terminated) and SQLSTATE classes 08 and 57P (server shutting down). */
  isTransient(error: unknown): boolean {
    if (!(error instanceof Error)) return false;
    const { code, severity } = error as Error & { code?: string; severity?: string };
    if (code?.startsWith('08') || code?.startsWith('57P')) return true;
    return severity === undefined;
  }

  health(): DatabaseHealth {
    return this.#health;
  }

  onHealthChange(listener: (health: DatabaseHealth) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.pool.end();
  }

  /** Every round trip tells whether the server is reachable. */
  async #observe<T>(pending: Promise<T>): Promise<T> {
    try {
      const value = await pending;
      this.#setHealth({ reachable: true, error: null });
      return value;
    } catch (error) {
      if (this.isTransient(error)) this.#setHealth({ reachable: false, error: (error as Error).message || 'connection failed' });
      throw error;
    }
  }

  #setHealth(health: DatabaseHealth): void {
    if (health.reachable === this.#health.reachable) return;
    this.#health = health;
    if (health.reachable) this.logger.info('database reachable again');
    else this.logger.warn({ err: health.error }, 'database unreachable');
    for (const listener of this.#listeners) listener(health);
  }
}

function executor(query: (text: string, values: SqlValue[]) => Promise<pg.QueryResult>): SqlExecutor {
  const send = (sql: Sql, params: readonly SqlValue[] = []) => query(postgresPlaceholders(sqlFor(sql, 'postgres')), [...params]);
  return {
    all: async <Row>(sql: Sql, params?: readonly SqlValue[]) => (await send(sql, params)).rows as Row[],
    get: async <Row>(sql: Sql, params?: readonly SqlValue[]) => (await send(sql, params)).rows[0] as Row | undefined,
    run: async (sql: Sql, params?: readonly SqlValue[]) => (await send(sql, params)).rowCount ?? 0,
  };
}

/** All pending migrations in one transaction under an advisory lock: nodes starting together migrate once. */
async function migrate(pool: pg.Pool, logger: Logger, migrations: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM migrations')).rows.map((row) => Number(row.version)));
    const done: Migration[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(postgresDdl(migration.sql));
      await client.query('INSERT INTO migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      done.push(migration);
    }
    await client.query('COMMIT');
    for (const { version, name } of done) logger.info({ version, name }, 'database migrated');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
