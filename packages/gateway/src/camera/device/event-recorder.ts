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
   * Resolves once the picture is taken and the event queued: a call (key 6, the bell) never
   * waits for the database; the event is emitted when it is stored.
   */
  async record(kind: CameraEventKind, detail: string, callId?: string): Promise<void> {
    await this.#begin(kind, detail, callId);
  }

  /** Like `record`, but resolves once the event is stored, with the picture taken (null when the snapshot failed). */
  async capture(kind: CameraEventKind, detail: string, callId?: string): Promise<{ event: CameraEvent; image: StoredImage | null }> {
    const { image, stored } = await this.#begin(kind, detail, callId);
    return { event: await stored, image };
  }

  /**
   * Resolves once every event begun so far has its picture and its write queued: the store
   * writes in order, so a removed camera's rows are deleted after them (no late row behind),
   * and a camera closing while the database is unreachable does not wait for it.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  #begin(kind: CameraEventKind, detail: string, callId?: string): Promise<{ image: StoredImage | null; stored: Promise<CameraEvent> }> {
    const log = callId === undefined ? this.logger : this.logger.child({ callId });
    const at = this.clock.now();
    const begun = this.#picture(kind, log).then((image) => ({ image, stored: this.#store({ kind, at, detail, image }, log) }));
    this.#pending.add(begun);
    // A write that fails for good is logged by the store; `record` callers do not wait for it.
    void begun.finally(() => this.#pending.delete(begun)).then(({ stored }) => stored).catch(() => undefined);
    return begun;
  }

  async #picture(kind: CameraEventKind, log: Logger): Promise<StoredImage | null> {
    try {
      return await this.snapshots.capture();
    } catch (error) {
      log.warn({ kind, err: (error as Error).message }, 'snapshot failed; event stored without image');
      return null;
    }
  }

  async #store(input: { kind: CameraEventKind; at: number; detail: string; image: StoredImage | null }, log: Logger): Promise<CameraEvent> {
    const event = await this.repository.add(input);
    log.info({ eventId: event.id, kind: event.kind, hasImage: event.hasImage }, 'camera event');
    this.safeEmit('event', event);
    return event;
  }

  /** "Time of the last event" (key 0, status). */
  get lastEventAt(): number | null {
    return this.repository.lastEventAt;
  }
}
