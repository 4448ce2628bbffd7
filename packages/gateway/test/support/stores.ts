/**
 * Runs one store test suite against both back ends: SQLite in a temp data directory, and
 * PostgreSQL (a throw-away server per suite, a fresh database per test).
 *
 *   describeStores('call log', (ctx) => {
 *     it('...', async () => { await ctx.store.camera('camera') ... });
 *   });
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { createLogger } from '../../src/core/logger.ts';
import { SqliteDatabase } from '../../src/store/database.ts';
import type { Migration } from '../../src/store/migrations.ts';
import { PostgresDatabase } from '../../src/store/postgres-database.ts';
import type { Dialect, SqlDatabase } from '../../src/store/sql.ts';
import { Store } from '../../src/store/store.ts';
import { TestPostgres } from './postgres.ts';

const logger = createLogger('silent');

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];
export const DIALECT_NAMES: Record<Dialect, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** One test's store location: a data directory, plus a database URL on PostgreSQL. */
export class StoreTestContext {
  server: TestPostgres | undefined;
  dataDir = '';
  /** postgres:// URL of this test's database; undefined on SQLite. */
  database: string | undefined;
  store!: Store;

  constructor(readonly dialect: Dialect) {}

  /** Opens the store of this test's location (as a gateway start would). */
  open(): Promise<Store> {
    return Store.open(this.dataDir, logger, this.database);
  }

  async reopen(): Promise<Store> {
    await this.store.close();
    this.store = await this.open();
    return this.store;
  }

  /** The bare database with the given migration history (migration tests). */
  async openDatabase(migrations: readonly Migration[]): Promise<SqlDatabase> {
    return this.dialect === 'sqlite' ? SqliteDatabase.open(this.dataDir, logger, migrations) : PostgresDatabase.open(this.database!, logger, migrations);
  }

  /** A table's column names in order. */
  async columns(table: string): Promise<string[]> {
    const sql = {
      sqlite: 'SELECT name FROM pragma_table_info(?)',
      postgres: 'SELECT column_name AS name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position',
    };
    return (await this.store.db.all<{ name: string }>(sql, [table])).map((row) => row.name);
  }

  async setUp(): Promise<void> {
    if (this.dialect === 'postgres') this.server = await TestPostgres.start();
  }

  async tearDown(): Promise<void> {
    await this.server?.close();
  }

  async fresh(): Promise<void> {
    await this.emptyLocation();
    this.store = await this.open();
  }

  /** Moves this test to a new location with no schema at all (for migration tests; the open store is closed). */
  async emptyLocation(): Promise<void> {
    if (this.dataDir) await this.dispose();
    this.dataDir = mkdtempSync(join(tmpdir(), 'camgate-store-'));
    this.database = this.server ? await this.server.createDatabase() : undefined;
  }

  async dispose(): Promise<void> {
    await this.store?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
    this.dataDir = '';
  }
}

/** `body` once per back end, each test with a fresh, open `ctx.store`. */
export function describeStores(title: string, body: (ctx: StoreTestContext) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} (${DIALECT_NAMES[dialect]})`, () => {
      const ctx = new StoreTestContext(dialect);
      beforeAll(() => ctx.setUp(), 60_000);
      afterAll(() => ctx.tearDown());
      beforeEach(() => ctx.fresh(), 30_000);
      afterEach(() => ctx.dispose());
      body(ctx);
    });
  }
}
