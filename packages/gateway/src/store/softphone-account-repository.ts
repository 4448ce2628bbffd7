import { createHash } from 'node:crypto';
import type { SqliteDatabase } from './database.ts';

/**
 * A SIP account of the browser softphone: a 12-hour one minted for the camera page, or a
 * named one the admin keeps for embedding (never expires). Only HA1 = MD5(user:realm:password)
 * is kept: it is all an RFC 2617 / RFC 3261 §22.4 digest check needs, and the password
 * itself cannot be read back from the database.
 */
export interface SoftphoneAccount {
  username: string;
  realm: string;
  ha1: string;
  createdAt: number;
  /** null: never expires. */
  expiresAt: number | null;
  /** The camera ids it may call; null: every camera. */
  cameras: string[] | null;
}

export interface NewSoftphoneAccount {
  username: string;
  realm: string;
  password: string;
  /** null: never expires. */
  expiresAt: number | null;
  /** The camera ids it may call; null or absent: every camera. */
  cameras?: string[] | null;
}

interface AccountRow {
  username: string;
  realm: string;
  ha1: string;
  created_at: number;
  expires_at: number | null;
  cameras: string | null;
}

export function digestHa1(username: string, realm: string, password: string): string {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
}

const LIVE = '(expires_at IS NULL OR expires_at > @now)';

export class SoftphoneAccountRepository {
  readonly #insert;
  readonly #upsert;
  readonly #get;
  readonly #list;
  readonly #delete;
  readonly #deleteExpired;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare(
      'INSERT INTO softphone_accounts (username, realm, ha1, created_at, expires_at, cameras) VALUES (@username, @realm, @ha1, @now, @expiresAt, @cameras)',
    );
    // A replaced account starts afresh: new secret, new creation time, new expiry.
    this.#upsert = db.prepare(
      `INSERT INTO softphone_accounts (username, realm, ha1, created_at, expires_at, cameras) VALUES (@username, @realm, @ha1, @now, @expiresAt, @cameras)
       ON CONFLICT (username) DO UPDATE SET realm = excluded.realm, ha1 = excluded.ha1, created_at = excluded.created_at,
         expires_at = excluded.expires_at, cameras = excluded.cameras`,
    );
    this.#get = db.prepare(`SELECT * FROM softphone_accounts WHERE username = @username AND ${LIVE}`);
    this.#list = db.prepare(`SELECT * FROM softphone_accounts WHERE ${LIVE} ORDER BY username`);
    this.#delete = db.prepare('DELETE FROM softphone_accounts WHERE username = ?');
    this.#deleteExpired = db.prepare('DELETE FROM softphone_accounts WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  /** Adds an account; throws when the username is taken. */
  create(account: NewSoftphoneAccount, now: number): SoftphoneAccount {
    const row = toRow(account, now);
    this.#insert.run(row);
    return toAccount(row);
  }

  /** Creates the account or replaces the one of that name; `created` tells which. */
  put(account: NewSoftphoneAccount, now: number): { account: SoftphoneAccount; created: boolean } {
    const row = toRow(account, now);
    const created = this.#get.get({ username: account.username, now }) === undefined;
    this.#upsert.run(row);
    return { account: toAccount(row), created };
  }

  /** The account if it exists and has not expired at `now`. */
  find(username: string, now: number): SoftphoneAccount | null {
    const row = this.#get.get({ username, now }) as AccountRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Every account that has not expired at `now`, by name. */
  list(now: number): SoftphoneAccount[] {
    return (this.#list.all({ now }) as AccountRow[]).map(fromRow);
  }

  /** Removes an account; false when there was none. */
  delete(username: string): boolean {
    return this.#delete.run(username).changes > 0;
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}

function toRow(account: NewSoftphoneAccount, now: number) {
  return {
    username: account.username,
    realm: account.realm,
    ha1: digestHa1(account.username, account.realm, account.password),
    now,
    expiresAt: account.expiresAt,
    cameras: account.cameras ? JSON.stringify(account.cameras) : null,
  };
}

function toAccount(row: ReturnType<typeof toRow>): SoftphoneAccount {
  return { username: row.username, realm: row.realm, ha1: row.ha1, createdAt: row.now, expiresAt: row.expiresAt, cameras: row.cameras ? (JSON.parse(row.cameras) as string[]) : null };
}

function fromRow(row: AccountRow): SoftphoneAccount {
  return {
    username: row.username,
    realm: row.realm,
    ha1: row.ha1,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    cameras: row.cameras ? (JSON.parse(row.cameras) as string[]) : null,
  };
}
