import type { LastCaller } from '@camgate/protocol';
import type { SqliteDatabase } from './database.ts';

/** The last calling number or SIP address, offered by the dialog for the accepted list. */
export class LastCallerRepository {
  readonly #get;
  readonly #put;

  constructor(db: SqliteDatabase) {
    this.#get = db.prepare('SELECT caller, at, answered FROM last_caller WHERE singleton = 1');
    this.#put = db.prepare(
      `INSERT INTO last_caller (singleton, caller, at, answered) VALUES (1, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET caller = excluded.caller, at = excluded.at, answered = excluded.answered`,
    );
  }

  get(): LastCaller {
    const row = this.#get.get() as { caller: string; at: number; answered: number } | undefined;
    return row ? { caller: row.caller, at: row.at, answered: row.answered === 1 } : null;
  }

  set(last: NonNullable<LastCaller>): void {
    this.#put.run(last.caller, last.at, last.answered ? 1 : 0);
  }
}
