import { CameraDefinitionSchema, type CameraDefinition } from '@camgate/protocol';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from './outbox.ts';

/** Tables whose rows belong to one camera (`camera_id`): removing a camera empties them of it. */
const CAMERA_TABLES = ['settings', 'audio_messages', 'events', 'call_log', 'last_caller'] as const;

/** The gateway's cameras: their definitions, in the order they were added. */
export class CameraRepository {
  constructor(
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {}

  /** Every stored camera; a row that no longer validates is skipped with a warning, never fatal. */
  async list(): Promise<CameraDefinition[]> {
    const rows = await this.outbox.read((db) => db.all<{ id: string; json: string }>('SELECT id, json FROM cameras ORDER BY created_at, id'));
    const cameras: CameraDefinition[] = [];
    for (const row of rows) {
      const parsed = CameraDefinitionSchema.safeParse(safeJson(row.json));
      if (parsed.success) cameras.push(parsed.data);
      else this.logger.warn({ cameraId: row.id }, 'stored camera is invalid; skipped');
    }
    return cameras;
  }

  put(camera: CameraDefinition, now: number): Promise<void> {
    return this.outbox.write('camera', async (db) => {
      await db.run('INSERT INTO cameras (id, json, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json', [camera.id, JSON.stringify(camera), now]);
    }, { topic: 'cameras' });
  }

  /** Deletes the camera with its settings, messages, events, call log and last caller. */
  remove(id: string): Promise<void> {
    return this.outbox.write('camera removal', (db) =>
      // The camera and everything it kept go together or not at all.
      db.transaction(async (tx) => {
        for (const table of CAMERA_TABLES) await tx.run(`DELETE FROM ${table} WHERE camera_id = ?`, [id]);
        await tx.run('DELETE FROM cameras WHERE id = ?', [id]);
      }),
      { topic: 'cameras' },
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
