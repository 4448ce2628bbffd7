import type { LastCaller } from '@camgate/protocol';
import type { Outbox } from './outbox.ts';

/** A camera's last calling number or SIP address, offered by the dialog for the accepted list. */
export class LastCallerRepository {
  constructor(
    private readonly outbox: Outbox,
    private readonly cameraId: string,
  ) {}

  async get(): Promise<LastCaller> {
    const row = await this.outbox.read((db) =>
      db.get<{ caller: string; at: number; answered: number }>('SELECT caller, at, answered FROM last_caller WHERE camera_id = ?', [this.cameraId]),
    );
    return row ? { caller: row.caller, at: row.at, answered: Number(row.answered) === 1 } : null;
  }

  set(last: NonNullable<LastCaller>): Promise<void> {
    return this.outbox.write('last caller', async (db) => {
      await db.run(
        `INSERT INTO last_caller (camera_id, caller, at, answered) VALUES (?, ?, ?, ?)
         ON CONFLICT (camera_id) DO UPDATE SET caller = excluded.caller, at = excluded.at, answered = excluded.answered`,
        [this.cameraId, last.caller, last.at, last.answered ? 1 : 0],
      );
    });
  }
}
