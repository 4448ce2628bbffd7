import { randomUUID } from 'node:crypto';
import type { RejectedCalls } from '@camgate/protocol';
import { DIALECT_SQL } from './dialect.ts';
import type { Outbox } from './outbox.ts';

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
  constructor(
    private readonly outbox: Outbox,
    private readonly maxRows = MAX_REJECTED_CALL_ROWS,
  ) {}

  record(rejection: { source: string; reason: string; caller: string; at: number }): Promise<void> {
    const { source, reason, caller, at } = rejection;
    // Writes reach the database one at a time, in order: a retry of the last write applied to
    // a row finds its own id there and counts nothing again.
    const write = randomUUID();
    return this.outbox.write('rejected call', (db) =>
      db.transaction(async (tx) => {
        const changed = await tx.run(
          `INSERT INTO rejected_calls (source, reason, count, first_at, last_at, last_caller, last_write) VALUES (?, ?, 1, ?, ?, ?, ?)
           ON CONFLICT (source, reason) DO UPDATE SET
             count = CASE WHEN rejected_calls.last_write = excluded.last_write THEN rejected_calls.count ELSE rejected_calls.count + 1 END,
             last_at = excluded.last_at, last_caller = excluded.last_caller, last_write = excluded.last_write`,
          [source, reason, at, at, caller, write],
        );
        if (changed > 0) await tx.run(DIALECT_SQL.pruneRejectedCalls, [this.maxRows]);
      }),
    );
  }

  /** Most recently seen first. */
  async list(limit: number): Promise<RejectedCalls[]> {
    const rows = await this.outbox.read((db) => db.all<RejectedRow>('SELECT * FROM rejected_calls ORDER BY last_at DESC LIMIT ?', [Math.max(0, Math.floor(limit))]));
    return rows.map((row) => ({
      source: row.source,
      reason: row.reason,
      count: row.count,
      firstAt: row.first_at,
      lastAt: row.last_at,
      lastCaller: row.last_caller,
    }));
  }
}
