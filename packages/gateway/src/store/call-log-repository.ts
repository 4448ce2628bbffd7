import type { CallLogEntry, CallOutcome } from '@camgate/protocol';
import type { SqliteDatabase } from './database.ts';

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
 */
export class CallLogRepository {
  readonly #insert;
  readonly #prune;
  readonly #addCommand;
  readonly #finish;
  readonly #list;
  readonly #get;
  readonly #closeInterrupted;

  constructor(
    db: SqliteDatabase,
    private readonly cameraId: string,
    retention = CALL_LOG_RETENTION,
  ) {
    const mine = 'camera_id = @camera';
    this.#insert = db.prepare(
      'INSERT INTO call_log (camera_id, call_id, caller, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (call_id) DO NOTHING',
    );
    // Keeps this camera's newest `retention` calls.
    const prune = db.prepare(
      `DELETE FROM call_log WHERE ${mine} AND id <= (SELECT id FROM call_log WHERE ${mine} ORDER BY id DESC LIMIT 1 OFFSET @retention)`,
    );
    this.#prune = () => prune.run({ camera: cameraId, retention });
    this.#addCommand = db.prepare(
      `UPDATE call_log SET commands = json_insert(commands, '$[#]', ?) WHERE call_id = ?`,
    );
    this.#finish = db.prepare('UPDATE call_log SET ended_at = ?, outcome = ? WHERE call_id = ? AND ended_at IS NULL');
    this.#list = db.prepare(`SELECT * FROM call_log WHERE ${mine} ORDER BY id DESC LIMIT @limit`);
    this.#get = db.prepare(`SELECT * FROM call_log WHERE ${mine} AND call_id = @callId`);
    this.#closeInterrupted = db.prepare("UPDATE call_log SET ended_at = ?, outcome = 'gateway-restarted' WHERE ended_at IS NULL");
  }

  /** An answered call begins. */
  start(callId: string, caller: string, startedAt: number): void {
    this.#insert.run(this.cameraId, callId, caller, startedAt);
    this.#prune();
  }

  /** Calls still open from before a crash or kill -9 (of every camera) end as "gateway restarted"; returns how many. */
  closeInterrupted(at: number): number {
    return this.#closeInterrupted.run(at).changes;
  }

  addCommand(callId: string, command: string): void {
    this.#addCommand.run(command, callId);
  }

  finish(callId: string, endedAt: number, outcome: CallOutcome): void {
    this.#finish.run(endedAt, outcome, callId);
  }

  get(callId: string): CallLogEntry | null {
    const row = this.#get.get({ camera: this.cameraId, callId }) as CallLogRow | undefined;
    return row ? toEntry(row) : null;
  }

  /** Newest first. */
  list(limit: number): CallLogEntry[] {
    return (this.#list.all({ camera: this.cameraId, limit: Math.max(0, Math.floor(limit)) }) as CallLogRow[]).map(toEntry);
  }
}
