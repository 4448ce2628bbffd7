import { createHash } from 'node:crypto';
import type { SqliteDatabase } from './database.ts';

/**
 * A SIP account handed to the browser softphone. Only HA1 = MD5(user:realm:password)
 * is kept: it is all an RFC 2617 / RFC 3261 §22.4 digest check needs, and the password
 * itself cannot be read back from the database.
 */
export interface SoftphoneAccount {
  username: string;
  realm: string;
  ha1: string;
  createdAt: number;
  expiresAt: number;
}

interface AccountRow {
  username: string;
  realm: string;
  ha1: string;
  created_at: number;
  expires_at: number;
}

export function digestHa1(username: string, realm: string, password: string): string {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
}

export class SoftphoneAccountRepository {
  readonly #insert;
  readonly #get;
  readonly #deleteExpired;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare(
      'INSERT INTO softphone_accounts (username, realm, ha1, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#get = db.prepare('SELECT * FROM softphone_accounts WHERE username = ? AND expires_at > ?');
    this.#deleteExpired = db.prepare('DELETE FROM softphone_accounts WHERE expires_at <= ?');
  }

  create(account: { username: string; realm: string; password: string; expiresAt: number }, now: number): SoftphoneAccount {
    const ha1 = digestHa1(account.username, account.realm, account.password);
    this.#insert.run(account.username, account.realm, ha1, now, account.expiresAt);
    return { username: account.username, realm: account.realm, ha1, createdAt: now, expiresAt: account.expiresAt };
  }

  /** The account if it exists and has not expired at `now`. */
  find(username: string, now: number): SoftphoneAccount | null {
    const row = this.#get.get(username, now) as AccountRow | undefined;
    return row
      ? { username: row.username, realm: row.realm, ha1: row.ha1, createdAt: row.created_at, expiresAt: row.expires_at }
      : null;
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}
