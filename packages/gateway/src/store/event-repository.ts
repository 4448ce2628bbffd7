import { randomUUID } from 'node:crypto';
import type { CameraEvent, CameraEventKind } from '@camgate/protocol';
import type { Outbox } from './outbox.ts';

/** An event's snapshot as stored: bytes plus their media type (PNG when simulated, JPEG from many cameras). */
export interface StoredImage {
  data: Buffer;
  contentType: string;
}

interface EventRow {
  id: number;
  kind: CameraEventKind;
  at: number;
  detail: string;
  /** 0/1 from SQLite, a boolean from PostgreSQL. */
  has_image: number | boolean;
}

const toEvent = (row: EventRow): CameraEvent => ({
  id: row.id,
  kind: row.kind,
  at: row.at,
  detail: row.detail,
  hasImage: Boolean(row.has_image),
});

/** Keeps the newest events only: snapshots are a few kB each and the disk is a camera's. */
const EVENT_RETENTION = 1000;

const COLUMNS = 'id, kind, at, detail, image IS NOT NULL AS has_image';

export class EventRepository {
  /** "Time of the last event" (status, key 0), held in memory. */
  #lastEventAt: number | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly cameraId: string,
    private readonly retention = EVENT_RETENTION,
  ) {}

  /** Reads the time of the newest event into memory. */
  async load(): Promise<void> {
    this.#lastEventAt = (await this.latest())?.at ?? this.#lastEventAt;
  }

  /** Stores the event; each has a client-made uid, so a retried write stores it once. */
  async add(event: { kind: CameraEventKind; at: number; detail: string; image: StoredImage | null }): Promise<CameraEvent> {
    this.#lastEventAt = Math.max(this.#lastEventAt ?? event.at, event.at);
    const uid = randomUUID();
    const id = await this.outbox.write('camera event', (db) =>
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO events (camera_id, uid, kind, at, detail, image, image_type) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING', [
          this.cameraId, uid, event.kind, event.at, event.detail, event.image?.data ?? null, event.image?.contentType ?? null,
        ]);
        // Keeps this camera's newest `retention` events; the other cameras' are theirs to prune.
        await tx.run('DELETE FROM events WHERE camera_id = ? AND id <= (SELECT id FROM events WHERE camera_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)', [
          this.cameraId, this.cameraId, this.retention,
        ]);
        return (await tx.get<{ id: number }>('SELECT id FROM events WHERE uid = ?', [uid]))!.id;
      }),
    );
    return { id, kind: event.kind, at: event.at, detail: event.detail, hasImage: event.image !== null };
  }

  async get(id: number): Promise<CameraEvent | null> {
    const row = await this.outbox.read((db) => db.get<EventRow>(`SELECT ${COLUMNS} FROM events WHERE camera_id = ? AND id = ?`, [this.cameraId, id]));
    return row ? toEvent(row) : null;
  }

  /** Newest first. */
  async list(limit: number): Promise<CameraEvent[]> {
    const rows = await this.outbox.read((db) =>
      db.all<EventRow>(`SELECT ${COLUMNS} FROM events WHERE camera_id = ? ORDER BY id DESC LIMIT ?`, [this.cameraId, Math.max(0, Math.floor(limit))]),
    );
    return rows.map(toEvent);
  }

  async latest(): Promise<CameraEvent | null> {
    return (await this.list(1))[0] ?? null;
  }

  get lastEventAt(): number | null {
    return this.#lastEventAt;
  }

  async latestWithImage(): Promise<CameraEvent | null> {
    const row = await this.outbox.read((db) =>
      db.get<EventRow>(`SELECT ${COLUMNS} FROM events WHERE camera_id = ? AND image IS NOT NULL ORDER BY id DESC LIMIT 1`, [this.cameraId]),
    );
    return row ? toEvent(row) : null;
  }

  async image(id: number): Promise<StoredImage | null> {
    const row = await this.outbox.read((db) =>
      db.get<StoredImage>('SELECT image AS data, image_type AS "contentType" FROM events WHERE camera_id = ? AND id = ? AND image IS NOT NULL', [this.cameraId, id]),
    );
    return row ?? null;
  }
}
