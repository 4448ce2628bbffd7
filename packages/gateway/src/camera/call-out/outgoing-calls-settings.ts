import { FACTORY_OUTGOING_CALLS, OutgoingCallsSettingsSchema, type OutgoingCallsSettings, type OutgoingCallsView } from '@camgate/protocol';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { OutgoingCallsRepository } from '../../store/outgoing-calls-repository.ts';
import { SettingsValidationError } from '../settings-service.ts';

/**
 * The Outgoing Calls dialog's settings, with the Incoming Calls dialog's semantics:
 * **Set** replaces `running` (lost on restart), **store** makes it permanent, Factory and
 * Restore only fill the dialog (from FACTORY_OUTGOING_CALLS and `stored`).
 */
export class OutgoingCallsSettingsService {
  #running: OutgoingCallsSettings;
  #stored: OutgoingCallsSettings;

  constructor(
    private readonly repository: OutgoingCallsRepository,
    private readonly references: { messageExists(id: string): boolean },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#stored = repository.load() ?? FACTORY_OUTGOING_CALLS;
    this.#running = this.#stored;
  }

  get running(): OutgoingCallsSettings {
    return this.#running;
  }

  view(): OutgoingCallsView {
    return { running: this.#running, stored: this.#stored, dirty: JSON.stringify(this.#running) !== JSON.stringify(this.#stored) };
  }

  /** Set: validates everything (schema, then message references) and changes nothing on failure. */
  set(input: unknown): OutgoingCallsView {
    const parsed = OutgoingCallsSettingsSchema.safeParse(input);
    if (!parsed.success) {
      throw new SettingsValidationError(parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || 'settings', message: issue.message })));
    }
    const missing = parsed.data.profiles.findIndex((p) => p.messageId !== null && !this.references.messageExists(p.messageId));
    if (missing >= 0) throw new SettingsValidationError([{ path: `profiles.${missing}.messageId`, message: 'no audio message with this id' }]);
    this.#running = parsed.data;
    this.logger.info({ profiles: parsed.data.profiles.length }, 'running outgoing-call settings changed');
    return this.view();
  }

  /** Another gateway stored these settings: stored here too, and running unless a Set made here is not stored yet. False: nothing new. */
  storedElsewhere(stored: OutgoingCallsSettings): boolean {
    if (JSON.stringify(stored) === JSON.stringify(this.#stored)) return false;
    if (!this.view().dirty) this.#running = stored;
    this.#stored = stored;
    this.logger.info('outgoing-call settings taken from another gateway');
    return true;
  }

  /** Does a profile of the running or stored settings play this message (then it must not be deleted)? */
  usesMessage(messageId: string): boolean {
    return [this.#running, this.#stored].some((settings) => settings.profiles.some((p) => p.messageId === messageId));
  }

  async store(): Promise<OutgoingCallsView> {
    await this.repository.save(this.#running, this.clock.now());
    this.#stored = this.#running;
    this.logger.info('outgoing-call settings stored');
    return this.view();
  }
}
