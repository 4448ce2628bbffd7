import type { SqliteDatabase } from './database.ts';

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
 */
export class LockoutRepository {
  readonly #byScope;
  readonly #upsert;
  readonly #delete;

  constructor(db: SqliteDatabase) {
    this.#byScope = db.prepare("SELECT * FROM lockouts WHERE substr(key, 1, length(?)) = ?");
    this.#upsert = db.prepare(
      `INSERT INTO lockouts (key, kind, label, failures, locked_until, lockouts, last_lockout_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
         lockouts = excluded.lockouts, last_lockout_at = excluded.last_lockout_at`,
    );
    this.#delete = db.prepare('DELETE FROM lockouts WHERE key = ?');
  }

  /** Every record whose key starts with `prefix`. */
  load(prefix: string): LockoutRecord[] {
    return (this.#byScope.all(prefix, prefix) as LockoutRow[]).map((row) => ({
      key: row.key,
      kind: row.kind,
      label: row.label,
      failures: JSON.parse(row.failures) as number[],
      lockedUntil: row.locked_until,
      lockouts: row.lockouts,
      lastLockoutAt: row.last_lockout_at ?? -Infinity,
    }));
  }

  save(record: LockoutRecord): void {
    const lastLockoutAt = Number.isFinite(record.lastLockoutAt) ? record.lastLockoutAt : null;
    this.#upsert.run(record.key, record.kind, record.label, JSON.stringify(record.failures), record.lockedUntil, record.lockouts, lastLockoutAt);
  }

  delete(key: string): void {
    this.#delete.run(key);
  }
}
