import { randomUUID } from 'node:crypto';
import type { AudioMessage } from '@camgate/protocol';
import type { StoreChange } from '../cluster/store-changes.ts';
import { Mirror } from './mirror.ts';
import type { Outbox } from './outbox.ts';

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
  builtin: Number(row.builtin) === 1,
  createdAt: row.created_at,
});

/** The dialog's order: built-in first, then oldest first. */
const byListOrder = (a: AudioMessage, b: AudioMessage) =>
  Number(b.builtin) - Number(a.builtin) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * One camera's audio messages ("Manage Audio Messages"): metadata plus the WAV file as uploaded.
 * The metadata (a few rows) is held in memory, since settings validation checks it synchronously;
 * the WAV bytes are read from the database when played.
 */
export class AudioMessageRepository {
  readonly #messages = new Mirror<AudioMessage>();
  readonly #change: StoreChange;

  constructor(
    private readonly outbox: Outbox,
    private readonly cameraId: string,
  ) {
    this.#change = { topic: 'camera', cameraId };
  }

  /** Reads this camera's message list into memory. */
  async refresh(): Promise<void> {
    await this.#messages.refresh(async () => {
      const rows = await this.outbox.read((db) =>
        db.all<AudioMessageRow>('SELECT id, name, duration_ms, builtin, created_at FROM audio_messages WHERE camera_id = ?', [this.cameraId]),
      );
      return rows.map((row) => [row.id, toMessage(row)] as const);
    });
  }

  list(): AudioMessage[] {
    return this.#messages.values().sort(byListOrder);
  }

  get(id: string): AudioMessage | null {
    return this.#messages.get(id) ?? null;
  }

  exists(id: string): boolean {
    return this.#messages.has(id);
  }

  async wav(id: string): Promise<Buffer | null> {
    const row = await this.outbox.read((db) => db.get<{ wav: Buffer }>('SELECT wav FROM audio_messages WHERE camera_id = ? AND id = ?', [this.cameraId, id]));
    return row?.wav ?? null;
  }

  async add(message: { name: string; durationMs: number; wav: Buffer }, now: number): Promise<AudioMessage> {
    const stored: AudioMessage = { id: randomUUID(), name: message.name, durationMs: Math.round(message.durationMs), builtin: false, createdAt: now };
    await this.outbox.write('audio message', (db) =>
      db.run(
        'INSERT INTO audio_messages (camera_id, id, name, duration_ms, builtin, created_at, wav) VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (camera_id, id) DO NOTHING',
        [this.cameraId, stored.id, stored.name, stored.durationMs, now, message.wav],
      ),
      this.#change,
    );
    this.#messages.set(stored.id, stored);
    return stored;
  }

  /** Messages the gateway ships (e.g. the factory welcome); re-rendered at start-up. */
  async putBuiltin(message: { id: string; name: string; durationMs: number; wav: Buffer }, now: number): Promise<AudioMessage> {
    const durationMs = Math.round(message.durationMs);
    await this.outbox.write('built-in audio message', (db) =>
      db.run(
        `INSERT INTO audio_messages (camera_id, id, name, duration_ms, builtin, created_at, wav) VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (camera_id, id) DO UPDATE SET name = excluded.name, duration_ms = excluded.duration_ms, builtin = 1, wav = excluded.wav`,
        [this.cameraId, message.id, message.name, durationMs, now, message.wav],
      ),
      this.#change,
    );
    const stored: AudioMessage = { id: message.id, name: message.name, durationMs, builtin: true, createdAt: this.#messages.get(message.id)?.createdAt ?? now };
    this.#messages.set(stored.id, stored);
    return stored;
  }

  async rename(id: string, name: string): Promise<AudioMessage | null> {
    const message = this.#messages.get(id);
    if (!message) return null;
    await this.outbox.write('audio message name', (db) => db.run('UPDATE audio_messages SET name = ? WHERE camera_id = ? AND id = ?', [name, this.cameraId, id]), this.#change);
    const renamed = { ...message, name };
    this.#messages.set(id, renamed);
    return renamed;
  }

  async delete(id: string): Promise<boolean> {
    if (!this.#messages.delete(id)) return false;
    await this.outbox.write('audio message removal', (db) => db.run('DELETE FROM audio_messages WHERE camera_id = ? AND id = ?', [this.cameraId, id]), this.#change);
    return true;
  }
}
