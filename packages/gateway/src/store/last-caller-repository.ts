import type { LastCaller } from '@camgate/protocol';
import type { SqliteDatabase } from './database.ts';

/** A camera's last calling number or SIP address, offered by the dialog for the accepted list. */
export class LastCallerRepository {
  readonly #get;
  readonly #put;

  constructor(
    db: SqliteDatabase,
    private readonly cameraId: string,
  ) {
    this.#get = db.prepare('SELECT caller, at, answered FROM last_caller WHERE camera_id = ?');
    this.#put = db.prepare(
      `INSERT INTO last_caller (camera_id, caller, at, answered) VALUES (?, ?, ?, ?)
       ON CONFLICT (camera_id) DO UPDATE SET caller = excluded.caller, at = excluded.at, answered = excluded.answered`,
    );
  }

  get(): LastCaller {
    const row = this.#get.get(this.cameraId) as { caller: string; at: number; answered: number } | undefined;
    return row ? { caller: row.caller, at: row.at, answered: row.answered === 1 } : null;
  }

  set(last: NonNullable<LastCaller>): void {
    this.#put.run(this.cameraId, last.caller, last.at, last.answered ? 1 : 0);
  }
}
