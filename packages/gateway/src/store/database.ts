import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Logger } from '../core/logger.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type SqliteDatabase = Sqlite.Database;

export const DATABASE_FILE = 'camgate.db';

/**
 * Opens (creating if needed) `<dataDir>/camgate.db` and brings its schema up to date.
 * WAL + synchronous=NORMAL: a committed transaction survives a process crash (kill -9);
 * only a power loss may drop the last transactions, never corrupt the file.
 */
export function openDatabase(dataDir: string, logger: Logger, migrations: readonly Migration[] = MIGRATIONS): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Sqlite(join(dataDir, DATABASE_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // A second process (a test reopening the file) waits instead of failing on a lock.
    db.pragma('busy_timeout = 5000');
    migrate(db, logger, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: SqliteDatabase, logger: Logger, migrations: readonly Migration[]): void {
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
