import type { CallLogEntry, CallOutcome } from '@camgate/protocol';
import { DIALECT_SQL } from './dialect.ts';
import type { Outbox } from './outbox.ts';

interface CallLogRow {
  id: number;
  call_id: string;
  caller: string;
  started_at: number;
  ended_at: number | null;
  outcome: CallOutcome | null;
  commands: string;
}

const toEntry = (row: CallLogRow): CallLogEntry => ({
  id: row.id,
  callId: row.call_id,
  caller: row.caller,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  outcome: row.outcome,
  commands: JSON.parse(row.commands) as string[],
});

const CALL_LOG_RETENTION = 5000;

/**
 * One camera's answered calls: who called, when, how it ended and which commands ran (refused calls are
 * counted in rejected-call-repository.ts instead). It has no column for keys:
 * a PIN or any digit a caller typed cannot end up here.
 *
 * Writes go through the outbox and are idempotent: the row is keyed by the SIP Call-ID,
 * a command is appended only at its own position, a call ends once.
 */
export class CallLogRepository {
  /** Commands queued so far per open call: the position the next one must take. */
  readonly #commandCounts = new Map<string, number>();

  constructor(
    private readonly outbox: Outbox,
    private readonly cameraId: string,
    private readonly retention = CALL_LOG_RETENTION,
  ) {}

  /** An answered call begins. */
  start(callId: string, caller: string, startedAt: number): Promise<void> {
    this.#commandCounts.set(callId, 0);
    return this.outbox.write('call log start', async (db) => {
      await db.transaction(async (tx) => {
        await tx.run('INSERT INTO call_log (camera_id, call_id, caller, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (call_id) DO NOTHING', [this.cameraId, callId, caller, startedAt]);
        // Keeps this camera's newest `retention` calls.
        await tx.run(
          'DELETE FROM call_log WHERE camera_id = ? AND id <= (SELECT id FROM call_log WHERE camera_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
          [this.cameraId, this.cameraId, this.retention],
        );
      });
    });
  }

  /** Calls still open from before a crash or kill -9 (of every camera) end as "gateway restarted"; returns how many. */
  closeInterrupted(at: number): Promise<number> {
    return this.outbox.write('close interrupted calls', (db) => db.run("UPDATE call_log SET ended_at = ?, outcome = 'gateway-restarted' WHERE ended_at IS NULL", [at]));
  }

  addCommand(callId: string, command: string): Promise<void> {
    const position = this.#commandCounts.get(callId) ?? 0;
    this.#commandCounts.set(callId, position + 1);
    return this.outbox.write('call log command', async (db) => {
      await db.run(DIALECT_SQL.appendCallCommand, [command, callId, position]);
    });
  }

  finish(callId: string, endedAt: number, outcome: CallOutcome): Promise<void> {
    this.#commandCounts.delete(callId);
    return this.outbox.write('call log end', async (db) => {
      await db.run('UPDATE call_log SET ended_at = ?, outcome = ? WHERE call_id = ? AND ended_at IS NULL', [endedAt, outcome, callId]);
    });
  }

  async get(callId: string): Promise<CallLogEntry | null> {
    const row = await this.outbox.read((db) => db.get<CallLogRow>('SELECT * FROM call_log WHERE camera_id = ? AND call_id = ?', [this.cameraId, callId]));
    return row ? toEntry(row) : null;
  }

  /** Newest first. */
  async list(limit: number): Promise<CallLogEntry[]> {
    const rows = await this.outbox.read((db) =>
      db.all<CallLogRow>('SELECT * FROM call_log WHERE camera_id = ? ORDER BY id DESC LIMIT ?', [this.cameraId, Math.max(0, Math.floor(limit))]),
    );
    return rows.map(toEntry);
  }
}
