import { createHash } from 'node:crypto';
import { InvalidStateError } from '../core/errors.ts';
import { Mirror } from './mirror.ts';
import type { Outbox } from './outbox.ts';
import type { SqlValue } from './sql.ts';

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

const ACCOUNTS_CHANGED = { topic: 'softphone-accounts' } as const;

export function digestHa1(username: string, realm: string, password: string): string {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
}

/**
 * Accounts are held in memory: a SIP digest check looks one up synchronously for every
 * REGISTER and INVITE. Writes update memory at once and go to the database in order.
 */
export class SoftphoneAccountRepository {
  readonly #accounts = new Mirror<SoftphoneAccount>();

  constructor(private readonly outbox: Outbox) {}

  /** Reads every stored account into memory. */
  async refresh(): Promise<void> {
    await this.#accounts.refresh(async () => {
      const rows = await this.outbox.read((db) => db.all<AccountRow>('SELECT * FROM softphone_accounts'));
      return rows.map((row) => [row.username, fromRow(row)] as const);
    });
  }

  /** Adds an account; throws when the username is taken. */
  async create(account: NewSoftphoneAccount, now: number): Promise<SoftphoneAccount> {
    if (this.#accounts.has(account.username)) throw new InvalidStateError(`softphone account "${account.username}" exists`);
    const stored = toAccount(account, now);
    this.#accounts.set(stored.username, stored);
    await this.outbox.write('softphone account', (db) =>
      db.run('INSERT INTO softphone_accounts (username, realm, ha1, created_at, expires_at, cameras) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING', toRow(stored)),
      ACCOUNTS_CHANGED,
    );
    return stored;
  }

  /** Creates the account or replaces the one of that name; `created` tells which. */
  async put(account: NewSoftphoneAccount, now: number): Promise<{ account: SoftphoneAccount; created: boolean }> {
    const created = this.find(account.username, now) === null;
    const stored = toAccount(account, now);
    this.#accounts.set(stored.username, stored);
    // A replaced account starts afresh: new secret, new creation time, new expiry.
    await this.outbox.write('softphone account', (db) =>
      db.run(
        `INSERT INTO softphone_accounts (username, realm, ha1, created_at, expires_at, cameras) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET realm = excluded.realm, ha1 = excluded.ha1, created_at = excluded.created_at,
           expires_at = excluded.expires_at, cameras = excluded.cameras`,
        toRow(stored),
      ),
      ACCOUNTS_CHANGED,
    );
    return { account: stored, created };
  }

  /** The account if it exists and has not expired at `now` (from memory). */
  find(username: string, now: number): SoftphoneAccount | null {
    const account = this.#accounts.get(username);
    return account && isLive(account, now) ? account : null;
  }

  /** Every account that has not expired at `now`, by name (from memory). */
  list(now: number): SoftphoneAccount[] {
    return this.#accounts.values().filter((account) => isLive(account, now)).sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  }

  /** Removes an account; false when there was none. */
  async delete(username: string): Promise<boolean> {
    if (!this.#accounts.delete(username)) return false;
    await this.outbox.write('softphone account removal', (db) => db.run('DELETE FROM softphone_accounts WHERE username = ?', [username]), ACCOUNTS_CHANGED);
    return true;
  }

  async deleteExpired(now: number): Promise<number> {
    const expired = this.#accounts.values().filter((account) => !isLive(account, now));
    for (const account of expired) this.#accounts.delete(account.username);
    await this.outbox.write('expired softphone accounts', (db) => db.run('DELETE FROM softphone_accounts WHERE expires_at IS NOT NULL AND expires_at <= ?', [now]));
    return expired.length;
  }
}

const isLive = (account: SoftphoneAccount, now: number) => account.expiresAt === null || account.expiresAt > now;

function toAccount(account: NewSoftphoneAccount, now: number): SoftphoneAccount {
  return {
    username: account.username,
    realm: account.realm,
    ha1: digestHa1(account.username, account.realm, account.password),
    createdAt: now,
    expiresAt: account.expiresAt,
    cameras: account.cameras ?? null,
  };
}

function toRow(account: SoftphoneAccount): SqlValue[] {
  return [account.username, account.realm, account.ha1, account.createdAt, account.expiresAt, account.cameras ? JSON.stringify(account.cameras) : null];
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
