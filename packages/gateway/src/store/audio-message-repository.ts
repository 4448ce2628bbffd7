import { randomUUID } from 'node:crypto';
import type { AudioMessage } from '@camgate/protocol';
import type { SqliteDatabase } from './database.ts';

interface AudioMessageRow {
  id: string;
  name: string;
  duration_ms: number;
  builtin: number;
  created_at: number;
}

const toMessage = (row: AudioMessageRow): AudioMessage => ({
  id: row.id,
  name: row.name,
  durationMs: row.duration_ms,
  builtin: row.builtin === 1,
  createdAt: row.created_at,
});

/** One camera's audio messages ("Manage Audio Messages"): metadata plus the WAV file as uploaded. */
export class AudioMessageRepository {
  readonly #list;
  readonly #get;
  readonly #wav;
  readonly #insert;
  readonly #upsertBuiltin;
  readonly #rename;
  readonly #delete;

  constructor(
    db: SqliteDatabase,
    private readonly cameraId: string,
  ) {
    const columns = 'id, name, duration_ms, builtin, created_at';
    const mine = 'camera_id = @camera';
    this.#list = db.prepare(`SELECT ${columns} FROM audio_messages WHERE ${mine} ORDER BY builtin DESC, created_at, id`);
    this.#get = db.prepare(`SELECT ${columns} FROM audio_messages WHERE ${mine} AND id = @id`);
    this.#wav = db.prepare(`SELECT wav FROM audio_messages WHERE ${mine} AND id = @id`).pluck();
    this.#insert = db.prepare(
      'INSERT INTO audio_messages (camera_id, id, name, duration_ms, builtin, created_at, wav) VALUES (@camera, @id, @name, @durationMs, 0, @now, @wav)',
    );
    this.#upsertBuiltin = db.prepare(
      `INSERT INTO audio_messages (camera_id, id, name, duration_ms, builtin, created_at, wav) VALUES (@camera, @id, @name, @durationMs, 1, @now, @wav)
       ON CONFLICT (camera_id, id) DO UPDATE SET name = excluded.name, duration_ms = excluded.duration_ms,
         builtin = 1, wav = excluded.wav`,
    );
    this.#rename = db.prepare(`UPDATE audio_messages SET name = @name WHERE ${mine} AND id = @id`);
    this.#delete = db.prepare(`DELETE FROM audio_messages WHERE ${mine} AND id = @id`);
  }

  list(): AudioMessage[] {
    return (this.#list.all({ camera: this.cameraId }) as AudioMessageRow[]).map(toMessage);
  }

  get(id: string): AudioMessage | null {
    const row = this.#get.get({ camera: this.cameraId, id }) as AudioMessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  exists(id: string): boolean {
    return this.#get.get({ camera: this.cameraId, id }) !== undefined;
  }

  wav(id: string): Buffer | null {
    return (this.#wav.get({ camera: this.cameraId, id }) as Buffer | undefined) ?? null;
  }

  add(message: { name: string; durationMs: number; wav: Buffer }, now: number): AudioMessage {
    const id = randomUUID();
    this.#insert.run({ camera: this.cameraId, id, name: message.name, durationMs: Math.round(message.durationMs), now, wav: message.wav });
    return this.get(id)!;
  }

  /** Messages the gateway ships (e.g. the factory welcome); re-rendered at start-up. */
  putBuiltin(message: { id: string; name: string; durationMs: number; wav: Buffer }, now: number): AudioMessage {
    this.#upsertBuiltin.run({ camera: this.cameraId, id: message.id, name: message.name, durationMs: Math.round(message.durationMs), now, wav: message.wav });
    return this.get(message.id)!;
  }

  rename(id: string, name: string): AudioMessage | null {
    this.#rename.run({ camera: this.cameraId, name, id });
    return this.get(id);
  }

  delete(id: string): boolean {
    return this.#delete.run({ camera: this.cameraId, id }).changes > 0;
  }
}
