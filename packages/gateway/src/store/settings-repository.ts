import { IncomingCallsSettingsSchema, type IncomingCallsSettings } from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { SqliteDatabase } from './database.ts';

const INCOMING_CALLS_KEY = 'incoming-calls';

/** One camera's permanently stored Incoming Calls settings ("store" on the help page). */
export class SettingsRepository {
  readonly #select;
  readonly #upsert;

  constructor(
    db: SqliteDatabase,
    private readonly logger: Logger,
    private readonly cameraId: string,
  ) {
    this.#select = db.prepare('SELECT json FROM settings WHERE camera_id = ? AND key = ?').pluck();
    this.#upsert = db.prepare(
      `INSERT INTO settings (camera_id, key, json, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (camera_id, key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    );
  }

  /**
   * The stored settings, or null when none were stored or the row is unusable: a corrupt
   * or outdated row must not stop the camera from starting, the caller falls back to factory.
   */
  load(): IncomingCallsSettings | null {
    const json = this.#select.get(this.cameraId, INCOMING_CALLS_KEY) as string | undefined;
    if (json === undefined) return null;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      this.logger.warn('stored settings are not JSON; using factory settings');
      return null;
    }
    const parsed = IncomingCallsSettingsSchema.safeParse(value);
    if (!parsed.success) {
      this.logger.warn(
        { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
        'stored settings are invalid; using factory settings',
      );
      return null;
    }
    return parsed.data;
  }

  save(settings: IncomingCallsSettings, now: number): void {
    this.#upsert.run(this.cameraId, INCOMING_CALLS_KEY, JSON.stringify(settings), now);
  }
}
