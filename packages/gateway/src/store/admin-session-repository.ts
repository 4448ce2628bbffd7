import { createHash } from 'node:crypto';
import { Mirror } from './mirror.ts';
import type { Outbox } from './outbox.ts';

/** Only a SHA-256 of each token is stored: a copy of the database signs nobody in. */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

interface Session {
  username: string;
  expiresAt: number;
}

/**
 * Signed-in admin sessions, kept across restarts. Every request checks one, so they are
 * held in memory (loaded at start, `refresh()`ed from a shared server) and written through.
 */
export class AdminSessionRepository {
  readonly #sessions = new Mirror<Session>();

  constructor(private readonly outbox: Outbox) {}

  /** Reads every stored session into memory. */
  async refresh(): Promise<void> {
    await this.#sessions.refresh(async () => {
      const rows = await this.outbox.read((db) => db.all<{ token_hash: string; username: string; expires_at: number }>('SELECT * FROM admin_sessions'));
      return rows.map((row) => [row.token_hash, { username: row.username, expiresAt: row.expires_at }] as const);
    });
  }

  add(token: string, username: string, expiresAt: number): Promise<void> {
    const hash = tokenHash(token);
    this.#sessions.set(hash, { username, expiresAt });
    return this.outbox.write('admin session', async (db) => {
      await db.run('INSERT INTO admin_sessions (token_hash, username, expires_at) VALUES (?, ?, ?) ON CONFLICT (token_hash) DO NOTHING', [hash, username, expiresAt]);
    });
  }

  /** The username of a session still valid at `now` (from memory). */
  find(token: string, now: number): string | undefined {
    const session = this.#sessions.get(tokenHash(token));
    return session && session.expiresAt > now ? session.username : undefined;
  }

  /**
   * A session unknown in memory, looked up in the database (another gateway signed it in a
   * moment ago); remembered when found. Fails while the database is unreachable.
   */
  async lookup(token: string, now: number): Promise<string | undefined> {
    const hash = tokenHash(token);
    const row = await this.outbox.read((db) => db.get<{ username: string; expires_at: number }>('SELECT username, expires_at FROM admin_sessions WHERE token_hash = ?', [hash]));
    if (!row || row.expires_at <= now) return undefined;
    this.#sessions.set(hash, { username: row.username, expiresAt: row.expires_at });
    return row.username;
  }

  delete(token: string): Promise<void> {
    const hash = tokenHash(token);
    this.#sessions.delete(hash);
    // Other gateways drop it at once (they re-read their sessions).
    return this.outbox.write('admin session end', async (db) => {
      await db.run('DELETE FROM admin_sessions WHERE token_hash = ?', [hash]);
    }, { topic: 'admin-sessions' });
  }

  deleteExpired(now: number): Promise<void> {
    for (const [hash, session] of this.#sessions.entries()) if (session.expiresAt <= now) this.#sessions.delete(hash);
    return this.outbox.write('expired admin sessions', async (db) => {
      await db.run('DELETE FROM admin_sessions WHERE expires_at <= ?', [now]);
    });
  }
}
