import { Mirror } from './mirror.ts';
import type { Outbox } from './outbox.ts';

/** One tracked lock-out key (see camera/pin-guard.ts), as stored. */
export interface LockoutRecord {
  key: string;
  kind: 'caller' | 'address' | 'provider';
  label: string;
  /** Times of failures inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
  lockouts: number;
  lastLockoutAt: number;
}

interface LockoutRow {
  key: string;
  kind: LockoutRecord['kind'];
  label: string;
  failures: string;
  locked_until: number;
  lockouts: number;
  last_lockout_at: number | null;
}

/**
 * Failed attempts and lock-outs (PINs, admin sign-ins, softphone digests), so that a restart,
 * even a kill -9, neither forgets nor lifts them. Keys start with their guard's scope.
 * Read into memory at start (a guard is built synchronously); saves are written through, in order.
 */
export class LockoutRepository {
  readonly #records = new Mirror<LockoutRecord>();

  constructor(private readonly outbox: Outbox) {}

  /** Reads every stored record into memory. */
  async refresh(): Promise<void> {
    await this.#records.refresh(async () => {
      const rows = await this.outbox.read((db) => db.all<LockoutRow>('SELECT * FROM lockouts'));
      return rows.map((row) => [row.key, fromRow(row)] as const);
    });
  }

  /**
   * These keys' records as stored now (other gateways write them too); a key without one is
   * absent. Fails while the database is unreachable.
   */
  async fetch(keys: readonly string[]): Promise<Map<string, LockoutRecord>> {
    if (keys.length === 0) return new Map();
    const rows = await this.outbox.read((db) => db.all<LockoutRow>(`SELECT * FROM lockouts WHERE key IN (${keys.map(() => '?').join(', ')})`, keys));
    const records = new Map(rows.map((row) => [row.key, fromRow(row)] as const));
    for (const key of keys) {
      const record = records.get(key);
      if (record) this.#records.set(key, { ...record, failures: [...record.failures] });
      else this.#records.delete(key);
    }
    return records;
  }

  /** Every record whose key starts with `prefix` (from memory). */
  load(prefix: string): LockoutRecord[] {
    return this.#records.values().filter((record) => record.key.startsWith(prefix)).map((record) => ({ ...record, failures: [...record.failures] }));
  }

  save(record: LockoutRecord): Promise<void> {
    const copy = { ...record, failures: [...record.failures] };
    this.#records.set(record.key, copy);
    const lastLockoutAt = Number.isFinite(copy.lastLockoutAt) ? copy.lastLockoutAt : null;
    return this.outbox.write('lock-out', async (db) => {
      await db.run(
        `INSERT INTO lockouts (key, kind, label, failures, locked_until, lockouts, last_lockout_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
           lockouts = excluded.lockouts, last_lockout_at = excluded.last_lockout_at`,
        [copy.key, copy.kind, copy.label, JSON.stringify(copy.failures), copy.lockedUntil, copy.lockouts, lastLockoutAt],
      );
    }, { topic: 'lockout', key: copy.key });
  }

  delete(key: string): Promise<void> {
    this.#records.delete(key);
    return this.outbox.write('lock-out lifted', async (db) => {
      await db.run('DELETE FROM lockouts WHERE key = ?', [key]);
    }, { topic: 'lockout', key });
  }
}

function fromRow(row: LockoutRow): LockoutRecord {
  return {
    key: row.key,
    kind: row.kind,
    label: row.label,
    failures: JSON.parse(row.failures) as number[],
    lockedUntil: row.locked_until,
    lockouts: row.lockouts,
    lastLockoutAt: row.last_lockout_at ?? -Infinity,
  };
}
