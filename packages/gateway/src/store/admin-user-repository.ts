import { createHmac } from 'node:crypto';
import type { SqliteDatabase } from './database.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';

/** The admin account(s) of the web UI; only scrypt hashes are stored. */
export class AdminUserRepository {
  readonly #get;
  readonly #upsert;

  constructor(db: SqliteDatabase) {
    this.#get = db.prepare('SELECT password_hash FROM admin_users WHERE username = ?').pluck();
    this.#upsert = db.prepare(
      `INSERT INTO admin_users (username, password_hash, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
    );
  }

  exists(username: string): boolean {
    return this.#get.get(username) !== undefined;
  }

  /**
   * A secret of this admin for `purpose`, derived from the stored password hash: stable
   * across sessions and browser tabs, and replaced when the admin password changes.
   * Null for an unknown user.
   */
  derivedSecret(username: string, purpose: string): string | null {
    const hash = this.#get.get(username) as string | undefined;
    return hash === undefined ? null : createHmac('sha256', hash).update(purpose).digest('base64url');
  }

  async setPassword(username: string, password: string, now: number): Promise<void> {
    this.#upsert.run(username, await hashPassword(password), now);
  }

  /** False for an unknown user as for a wrong password (no user enumeration by answer). */
  async verify(username: string, password: string): Promise<boolean> {
    const hash = this.#get.get(username) as string | undefined;
    // Unknown users still pay for one hash so the answer time does not reveal them.
    if (hash === undefined) {
      await hashPassword(password);
      return false;
    }
    return verifyPassword(password, hash);
  }
}
