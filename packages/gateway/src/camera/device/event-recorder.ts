import type { CameraEvent, CameraEventKind } from '@camgate/protocol';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import type { EventRepository, StoredImage } from '../../store/event-repository.ts';
import type { SnapshotSource } from './snapshot-source.ts';

export interface EventRecorderEvents extends Record<string, unknown[]> {
  event: [event: CameraEvent];
}

/** Camera events (user click, door, light, call, lock-out, email), each stored with a snapshot. */
export class EventRecorder extends TypedEmitter<EventRecorderEvents> {
  /** Events whose snapshot is still being taken. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly repository: EventRepository,
    private readonly snapshots: SnapshotSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    super();
  }

  /**
   * Takes the snapshot first (the event's picture is of its moment); an event is kept even
   * when no image could be taken. `callId` names the call that caused it, for the log.
   */
  async record(kind: CameraEventKind, detail: string, callId?: string): Promise<CameraEvent> {
    return (await this.capture(kind, detail, callId)).event;
  }

  /** Like `record`, and hands back the picture taken (null when the snapshot failed). */
  capture(kind: CameraEventKind, detail: string, callId?: string): Promise<{ event: CameraEvent; image: StoredImage | null }> {
    const capturing = this.#capture(kind, detail, callId);
    this.#pending.add(capturing);
    void capturing.finally(() => this.#pending.delete(capturing)).catch(() => undefined);
    return capturing;
  }

  /** Resolves once every event begun so far is stored (a removed camera leaves no late row behind). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async #capture(kind: CameraEventKind, detail: string, callId?: string): Promise<{ event: CameraEvent; image: StoredImage | null }> {
    const log = callId === undefined ? this.logger : this.logger.child({ callId });
    const at = this.clock.now();
    let image: StoredImage | null = null;
    try {
      image = await this.snapshots.capture();
    } catch (error) {
      log.warn({ kind, err: (error as Error).message }, 'snapshot failed; event stored without image');
    }
    const event = await this.repository.add({ kind, at, detail, image });
    log.info({ eventId: event.id, kind, hasImage: event.hasImage }, 'camera event');
    this.safeEmit('event', event);
    return { event, image };
  }

  /** "Time of the last event" (key 0, status). */
  get lastEventAt(): number | null {
    return this.repository.lastEventAt;
  }
}
