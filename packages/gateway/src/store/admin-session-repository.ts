import { createHash } from 'node:crypto';
import type { SqliteDatabase } from './database.ts';

/** Only a SHA-256 of each token is stored: a copy of the database signs nobody in. */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Signed-in admin sessions, kept across restarts. */
export class AdminSessionRepository {
  readonly #insert;
  readonly #get;
  readonly #delete;
  readonly #deleteExpired;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare('INSERT INTO admin_sessions (token_hash, username, expires_at) VALUES (?, ?, ?)');
    this.#get = db.prepare('SELECT username FROM admin_sessions WHERE token_hash = ? AND expires_at > ?').pluck();
    this.#delete = db.prepare('DELETE FROM admin_sessions WHERE token_hash = ?');
    this.#deleteExpired = db.prepare('DELETE FROM admin_sessions WHERE expires_at <= ?');
  }

  add(token: string, username: string, expiresAt: number): void {
    this.#insert.run(tokenHash(token), username, expiresAt);
  }

  /** The username of a session still valid at `now`. */
  find(token: string, now: number): string | undefined {
    return this.#get.get(tokenHash(token), now) as string | undefined;
  }

  delete(token: string): void {
    this.#delete.run(tokenHash(token));
  }

  deleteExpired(now: number): void {
    this.#deleteExpired.run(now);
  }
}
