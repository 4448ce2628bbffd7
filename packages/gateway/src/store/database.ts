import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Logger } from '../core/logger.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { sqlFor, type DatabaseHealth, type Sql, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.ts';

export const DATABASE_FILE = 'camgate.db';

const ALWAYS_REACHABLE: DatabaseHealth = { reachable: true, error: null };

/**
 * The default store: `<dataDir>/camgate.db`, opened and migrated at start-up.
 * WAL + synchronous=NORMAL: a committed transaction survives a process crash (kill -9);
 * only a power loss may drop the last transactions, never corrupt the file.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  /** The last transaction queued; transactions take turns on the one connection. */
  #transaction: Promise<unknown> = Promise.resolve();
  /** A transaction is open: statements from outside wait for it, not join it. */
  #open = false;
  readonly #direct: SqlExecutor;

  private constructor(private readonly db: Sqlite.Database) {
    this.#direct = executor(db);
  }

  static open(dataDir: string, logger: Logger, migrations: readonly Migration[] = MIGRATIONS): SqliteDatabase {
    mkdirSync(dataDir, { recursive: true });
    const db = new Sqlite(join(dataDir, DATABASE_FILE));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // A second process (a test reopening the file) waits instead of failing on a lock.
      db.pragma('busy_timeout = 5000');
      migrate(db, logger, migrations);
      return new SqliteDatabase(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async all<Row>(sql: Sql, params: readonly SqlValue[] = []): Promise<Row[]> {
    await this.#outsideTransactions();
    return this.#direct.all<Row>(sql, params);
  }

  async get<Row>(sql: Sql, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    await this.#outsideTransactions();
    return this.#direct.get<Row>(sql, params);
  }

  async run(sql: Sql, params: readonly SqlValue[] = []): Promise<number> {
    await this.#outsideTransactions();
    return this.#direct.run(sql, params);
  }

  /** One connection: transactions take turns, and other statements wait for the running one. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const result = this.#transaction.then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      this.#open = true;
      try {
        const value = await work(this.#direct);
        this.db.exec('COMMIT');
        return value;
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      } finally {
        this.#open = false;
      }
    });
    this.#transaction = result.catch(() => undefined);
    return result;
  }

  async #outsideTransactions(): Promise<void> {
    while (this.#open) await this.#transaction;
  }

  /** A local file has no connection to lose. */
  isTransient(): boolean {
    return false;
  }

  health(): DatabaseHealth {
    return ALWAYS_REACHABLE;
  }

  onHealthChange(): void {}

  async close(): Promise<void> {
    await this.#transaction;
    this.db.close();
  }
}

function executor(db: Sqlite.Database): SqlExecutor {
  // Repositories run a few dozen distinct statements: each is compiled once.
  const statements = new Map<string, Sqlite.Statement>();
  const prepare = (sql: Sql) => {
    const text = sqlFor(sql, 'sqlite');
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };
  return {
    all: async <Row>(sql: Sql, params: readonly SqlValue[] = []) => prepare(sql).all(...params) as Row[],
    get: async <Row>(sql: Sql, params: readonly SqlValue[] = []) => prepare(sql).get(...params) as Row | undefined,
    run: async (sql: Sql, params: readonly SqlValue[] = []) => prepare(sql).run(...params).changes,
  };
}

function migrate(db: Sqlite.Database, logger: Logger, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM migrations').pluck().all() as number[],
  );
  const record = db.prepare('INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    // Each migration and its bookkeeping row commit together or not at all.
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    })();
    logger.info({ version: migration.version, name: migration.name }, 'database migrated');
  }
}
