import type { CameraEvent, CameraEventKind } from '@camgate/protocol';
import type { SqliteDatabase } from './database.ts';

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
  has_image: number;
}

const toEvent = (row: EventRow): CameraEvent => ({
  id: row.id,
  kind: row.kind,
  at: row.at,
  detail: row.detail,
  hasImage: row.has_image === 1,
});

/** Keeps the newest events only: snapshots are a few kB each and the disk is a camera's. */
const EVENT_RETENTION = 1000;

export class EventRepository {
  readonly #insert;
  readonly #prune;
  readonly #list;
  readonly #get;
  readonly #latestWithImage;
  readonly #image;
  readonly #insertAndPrune;

  constructor(
    db: SqliteDatabase,
    private readonly cameraId: string,
    retention = EVENT_RETENTION,
  ) {
    const columns = 'id, kind, at, detail, image IS NOT NULL AS has_image';
    const mine = 'camera_id = @camera';
    this.#insert = db.prepare('INSERT INTO events (camera_id, kind, at, detail, image, image_type) VALUES (?, ?, ?, ?, ?, ?)');
    // Keeps this camera's newest `retention` events; the other cameras' are theirs to prune.
    this.#prune = db.prepare(
      `DELETE FROM events WHERE ${mine} AND id <= (SELECT id FROM events WHERE ${mine} ORDER BY id DESC LIMIT 1 OFFSET @retention)`,
    );
    this.#list = db.prepare(`SELECT ${columns} FROM events WHERE ${mine} ORDER BY id DESC LIMIT @limit`);
    this.#get = db.prepare(`SELECT ${columns} FROM events WHERE ${mine} AND id = @id`);
    this.#latestWithImage = db.prepare(`SELECT ${columns} FROM events WHERE ${mine} AND image IS NOT NULL ORDER BY id DESC LIMIT 1`);
    this.#image = db.prepare(`SELECT image AS data, image_type AS contentType FROM events WHERE ${mine} AND id = @id AND image IS NOT NULL`);
    this.#insertAndPrune = db.transaction(
      (kind: CameraEventKind, at: number, detail: string, image: StoredImage | null): number => {
        const id = Number(this.#insert.run(cameraId, kind, at, detail, image?.data ?? null, image?.contentType ?? null).lastInsertRowid);
        this.#prune.run({ camera: cameraId, retention });
        return id;
      },
    );
  }

  add(event: { kind: CameraEventKind; at: number; detail: string; image: StoredImage | null }): CameraEvent {
    const id = this.#insertAndPrune(event.kind, event.at, event.detail, event.image);
    return this.get(id)!;
  }

  get(id: number): CameraEvent | null {
    const row = this.#get.get({ camera: this.cameraId, id }) as EventRow | undefined;
    return row ? toEvent(row) : null;
  }

  /** Newest first. */
  list(limit: number): CameraEvent[] {
    return (this.#list.all({ camera: this.cameraId, limit: Math.max(0, Math.floor(limit)) }) as EventRow[]).map(toEvent);
  }

  latest(): CameraEvent | null {
    return this.list(1)[0] ?? null;
  }

  latestWithImage(): CameraEvent | null {
    const row = this.#latestWithImage.get({ camera: this.cameraId }) as EventRow | undefined;
    return row ? toEvent(row) : null;
  }

  image(id: number): StoredImage | null {
    return (this.#image.get({ camera: this.cameraId, id }) as StoredImage | undefined) ?? null;
  }
}
