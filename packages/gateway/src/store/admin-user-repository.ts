import { createHmac } from 'node:crypto';
import type { Outbox } from './outbox.ts';
import { hashPassword, verifyPassword } from './password-hash.ts';

/** The admin account(s) of the web UI; only scrypt hashes are stored. */
export class AdminUserRepository {
  constructor(private readonly outbox: Outbox) {}

  async exists(username: string): Promise<boolean> {
    return (await this.#hash(username)) !== undefined;
  }

  /**
   * A secret of this admin for `purpose`, derived from the stored password hash: stable
   * across sessions and browser tabs, and replaced when the admin password changes.
   * Null for an unknown user.
   */
  async derivedSecret(username: string, purpose: string): Promise<string | null> {
    const hash = await this.#hash(username);
    return hash === undefined ? null : createHmac('sha256', hash).update(purpose).digest('base64url');
  }

  async setPassword(username: string, password: string, now: number): Promise<void> {
    const hash = await hashPassword(password);
    await this.outbox.write('admin password', async (db) => {
      await db.run(
        `INSERT INTO admin_users (username, password_hash, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
        [username, hash, now],
      );
    });
  }

  /** False for an unknown user as for a wrong password (no user enumeration by answer). */
  async verify(username: string, password: string): Promise<boolean> {
    const hash = await this.#hash(username);
    // Unknown users still pay for one hash so the answer time does not reveal them.
    if (hash === undefined) {
      await hashPassword(password);
      return false;
    }
    return verifyPassword(password, hash);
  }

  async #hash(username: string): Promise<string | undefined> {
    const row = await this.outbox.read((db) => db.get<{ password_hash: string }>('SELECT password_hash FROM admin_users WHERE username = ?', [username]));
    return row?.password_hash;
  }
}
