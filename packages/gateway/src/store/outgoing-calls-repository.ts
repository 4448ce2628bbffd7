import { OutgoingCallsSettingsSchema, type OutgoingCallsSettings } from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { SqliteDatabase } from './database.ts';

const OUTGOING_CALLS_KEY = 'outgoing-calls';

/** The permanently stored Outgoing Calls settings of one camera (a row of the settings table). */
export class OutgoingCallsRepository {
  readonly #select;
  readonly #upsert;

  constructor(
    db: SqliteDatabase,
    private readonly cameraId: string,
    private readonly logger: Logger,
  ) {
    this.#select = db.prepare('SELECT json FROM settings WHERE camera_id = ? AND key = ?').pluck();
    this.#upsert = db.prepare(
      `INSERT INTO settings (camera_id, key, json, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (camera_id, key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    );
  }

  /** The stored settings, or null (none stored, or an unusable row: the camera starts from factory). */
  load(): OutgoingCallsSettings | null {
    const json = this.#select.get(this.cameraId, OUTGOING_CALLS_KEY) as string | undefined;
    if (json === undefined) return null;
    try {
      const parsed = OutgoingCallsSettingsSchema.safeParse(JSON.parse(json));
      if (parsed.success) return parsed.data;
      this.logger.warn({ issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'stored outgoing-call settings are invalid; using factory settings');
    } catch {
      this.logger.warn('stored outgoing-call settings are not JSON; using factory settings');
    }
    return null;
  }

  save(settings: OutgoingCallsSettings, now: number): void {
    this.#upsert.run(this.cameraId, OUTGOING_CALLS_KEY, JSON.stringify(settings), now);
  }
}
