import type { RejectedCalls } from '@camgate/protocol';
import type { SqliteDatabase } from './database.ts';

/** Distinct (source, reason) rows kept; beyond it the ones seen longest ago go. */
export const MAX_REJECTED_CALL_ROWS = 1000;

interface RejectedRow {
  source: string;
  reason: string;
  count: number;
  first_at: number;
  last_at: number;
  last_caller: string;
}

/**
 * Calls the camera refused, counted per source address and reason: a flood of INVITEs adds
 * to a counter instead of writing rows, so it can never push answered calls out of the call log.
 */
export class RejectedCallRepository {
  readonly #record;
  readonly #list;

  constructor(db: SqliteDatabase, maxRows = MAX_REJECTED_CALL_ROWS) {
    const upsert = db.prepare(
      `INSERT INTO rejected_calls (source, reason, count, first_at, last_at, last_caller) VALUES (?, ?, 1, ?, ?, ?)
       ON CONFLICT (source, reason) DO UPDATE SET count = count + 1, last_at = excluded.last_at, last_caller = excluded.last_caller`,
    );
    const prune = db.prepare(
      'DELETE FROM rejected_calls WHERE rowid IN (SELECT rowid FROM rejected_calls ORDER BY last_at DESC LIMIT -1 OFFSET ?)',
    );
    this.#record = db.transaction((source: string, reason: string, caller: string, at: number) => {
      if (upsert.run(source, reason, at, at, caller).changes > 0) prune.run(maxRows);
    });
    this.#list = db.prepare('SELECT * FROM rejected_calls ORDER BY last_at DESC LIMIT ?');
  }

  record(rejection: { source: string; reason: string; caller: string; at: number }): void {
    this.#record(rejection.source, rejection.reason, rejection.caller, rejection.at);
  }

  /** Most recently seen first. */
  list(limit: number): RejectedCalls[] {
    return (this.#list.all(Math.max(0, Math.floor(limit))) as RejectedRow[]).map((row) => ({
      source: row.source,
      reason: row.reason,
      count: row.count,
      firstAt: row.first_at,
      lastAt: row.last_at,
      lastCaller: row.last_caller,
    }));
  }
}
