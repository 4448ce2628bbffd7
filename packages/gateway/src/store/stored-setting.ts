import type { z } from 'zod';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from './outbox.ts';

/**
 * One camera's settings document (a row of the `settings` table, validated by its zod schema).
 * Held in memory: a call reads it synchronously, and keeps working with the last known value
 * while a database server is unreachable. `save()` updates memory at once and writes through.
 */
export class StoredSetting<T> {
  #value: T | null = null;
  /** Saves made here so far: a refresh that raced one keeps the saved value (as Mirror does). */
  #saves = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly cameraId: string,
    private readonly key: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  /** Reads the stored row into memory; an unusable row counts as none (the camera starts from factory). */
  async refresh(): Promise<void> {
    const saves = this.#saves;
    const row = await this.outbox.read((db) => db.get<{ json: string }>('SELECT json FROM settings WHERE camera_id = ? AND key = ?', [this.cameraId, this.key]));
    if (saves !== this.#saves) return;
    this.#value = row === undefined ? null : this.#parse(row.json);
  }

  /** The stored settings (from memory), or null when none were stored or the row is unusable. */
  load(): T | null {
    return this.#value;
  }

  /**
   * Held in memory at once; resolves once written, or once the server is found unreachable
   * ('queued': the outbox writes it when the server is back, a later save after it).
   */
  save(settings: T, now: number): Promise<'committed' | 'queued'> {
    this.#saves += 1;
    this.#value = settings;
    const write = this.outbox.write(`${this.key} settings`, async (db) => {
      await db.run(
        `INSERT INTO settings (camera_id, key, json, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (camera_id, key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
        [this.cameraId, this.key, JSON.stringify(settings), now],
      );
    }, { topic: 'camera', cameraId: this.cameraId });
    return this.outbox.committedOrQueued(write);
  }

  #parse(json: string): T | null {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      this.logger.warn({ key: this.key }, 'stored settings are not JSON; using factory settings');
      return null;
    }
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.logger.warn(
      { key: this.key, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      'stored settings are invalid; using factory settings',
    );
    return null;
  }
}
