/**
 * Schema history. Append only: a migration that shipped is never edited, a change is a
 * new entry. `version` is the row written to the `migrations` table once applied.
 * Written in SQLite's dialect; PostgreSQL runs the same history through dialect.ts's postgresDdl.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE audio_messages (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        builtin INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        wav BLOB NOT NULL
      );
      CREATE TABLE email_profiles (
        id TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        at INTEGER NOT NULL,
        detail TEXT NOT NULL,
        image BLOB,
        image_type TEXT
      );
      CREATE INDEX events_at ON events (at);
      CREATE TABLE call_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL UNIQUE,
        caller TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        outcome TEXT,
        commands TEXT NOT NULL DEFAULT '[]'
      );
      CREATE TABLE admin_users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE softphone_accounts (
        username TEXT PRIMARY KEY,
        realm TEXT NOT NULL,
        ha1 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE last_caller (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        caller TEXT NOT NULL,
        at INTEGER NOT NULL,
        answered INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'softphone accounts that never expire',
    // SQLite cannot drop NOT NULL in place: copy into a table whose expires_at may be NULL (= never).
    sql: `
      CREATE TABLE softphone_accounts_v2 (
        username TEXT PRIMARY KEY,
        realm TEXT NOT NULL,
        ha1 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      INSERT INTO softphone_accounts_v2 SELECT username, realm, ha1, created_at, expires_at FROM softphone_accounts;
      DROP TABLE softphone_accounts;
      ALTER TABLE softphone_accounts_v2 RENAME TO softphone_accounts;
    `,
  },
  {
    version: 3,
    name: 'persistent lock-outs and admin sessions, aggregated rejected calls',
    sql: `
      CREATE TABLE lockouts (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        failures TEXT NOT NULL DEFAULT '[]',
        locked_until INTEGER NOT NULL,
        lockouts INTEGER NOT NULL,
        last_lockout_at INTEGER
      );
      CREATE TABLE admin_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE rejected_calls (
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        last_caller TEXT NOT NULL,
        PRIMARY KEY (source, reason)
      );
      CREATE INDEX rejected_calls_last_at ON rejected_calls (last_at);
    `,
  },
  {
    version: 4,
    name: 'cameras as first-class objects; the single camera becomes camera "camera"',
    // Every per-camera row gets its camera; what the single-camera release wrote belongs to
    // "camera". Tables whose key changes are copied (SQLite cannot alter a primary key).
    sql: `
      CREATE TABLE cameras (
        id TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE settings_v4 (
        camera_id TEXT NOT NULL,
        key TEXT NOT NULL,
        json TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (camera_id, key)
      );
      INSERT INTO settings_v4 SELECT 'camera', key, json, updated_at FROM settings;
      DROP TABLE settings;
      ALTER TABLE settings_v4 RENAME TO settings;
      CREATE TABLE audio_messages_v4 (
        camera_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        builtin INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        wav BLOB NOT NULL,
        PRIMARY KEY (camera_id, id)
      );
      INSERT INTO audio_messages_v4 SELECT 'camera', id, name, duration_ms, builtin, created_at, wav FROM audio_messages;
      DROP TABLE audio_messages;
      ALTER TABLE audio_messages_v4 RENAME TO audio_messages;
      CREATE TABLE last_caller_v4 (
        camera_id TEXT PRIMARY KEY,
        caller TEXT NOT NULL,
        at INTEGER NOT NULL,
        answered INTEGER NOT NULL
      );
      INSERT INTO last_caller_v4 SELECT 'camera', caller, at, answered FROM last_caller;
      DROP TABLE last_caller;
      ALTER TABLE last_caller_v4 RENAME TO last_caller;
      ALTER TABLE events ADD COLUMN camera_id TEXT NOT NULL DEFAULT 'camera';
      CREATE INDEX events_camera ON events (camera_id, id);
      ALTER TABLE call_log ADD COLUMN camera_id TEXT NOT NULL DEFAULT 'camera';
      CREATE INDEX call_log_camera ON call_log (camera_id, id);
      ALTER TABLE softphone_accounts ADD COLUMN cameras TEXT;
    `,
  },
  {
    version: 5,
    name: 'writes a retry cannot apply twice: events keyed by a client-made uid, refused-call counts by their last write',
    sql: `
      ALTER TABLE events ADD COLUMN uid TEXT;
      CREATE UNIQUE INDEX events_uid ON events (uid);
      ALTER TABLE rejected_calls ADD COLUMN last_write TEXT;
    `,
  },
];
