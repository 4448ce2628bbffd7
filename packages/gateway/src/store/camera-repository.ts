import { CameraDefinitionSchema, type CameraDefinition } from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { SqliteDatabase } from './database.ts';

/** Tables whose rows belong to one camera (`camera_id`): removing a camera empties them of it. */
const CAMERA_TABLES = ['settings', 'audio_messages', 'events', 'call_log', 'last_caller'] as const;

/** The gateway's cameras: their definitions, in the order they were added. */
export class CameraRepository {
  readonly #list;
  readonly #upsert;
  readonly #remove;

  constructor(
    db: SqliteDatabase,
    private readonly logger: Logger,
  ) {
    this.#list = db.prepare('SELECT id, json FROM cameras ORDER BY created_at, id');
    this.#upsert = db.prepare(
      `INSERT INTO cameras (id, json, created_at) VALUES (@id, @json, @now)
       ON CONFLICT (id) DO UPDATE SET json = excluded.json`,
    );
    const deletes = [...CAMERA_TABLES.map((table) => db.prepare(`DELETE FROM ${table} WHERE camera_id = ?`)), db.prepare('DELETE FROM cameras WHERE id = ?')];
    // The camera and everything it kept go together or not at all.
    this.#remove = db.transaction((id: string) => deletes.reduce((changes, statement) => changes + statement.run(id).changes, 0));
  }

  /** Every stored camera; a row that no longer validates is skipped with a warning, never fatal. */
  list(): CameraDefinition[] {
    const cameras: CameraDefinition[] = [];
    for (const row of this.#list.all() as { id: string; json: string }[]) {
      const parsed = CameraDefinitionSchema.safeParse(safeJson(row.json));
      if (parsed.success) cameras.push(parsed.data);
      else this.logger.warn({ cameraId: row.id }, 'stored camera is invalid; skipped');
    }
    return cameras;
  }

  put(camera: CameraDefinition, now: number): void {
    this.#upsert.run({ id: camera.id, json: JSON.stringify(camera), now });
  }

  /** Deletes the camera with its settings, messages, events, call log and last caller. */
  remove(id: string): void {
    this.#remove(id);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
