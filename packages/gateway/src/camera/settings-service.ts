import {
  FACTORY_SETTINGS,
  IncomingCallsSettingsSchema,
  settingsWarnings,
  type IncomingCallsSettings,
  type SettingsView,
} from '@camgate/protocol';
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { SettingsRepository } from '../store/settings-repository.ts';

/** A rejected settings write: `field` is the first offending path, `issues` all of them. */
export class SettingsValidationError extends ValidationError {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues[0]?.path ?? 'settings', issues[0]?.message ?? 'invalid settings');
  }
}

/** What settings may point at; checked on Set so a call never meets a dangling id. */
export interface SettingsReferences {
  messageExists(id: string): boolean;
  emailProfileExists(id: string): boolean;
}

export interface SettingsServiceEvents extends Record<string, unknown[]> {
  /** `shared`: taken from another gateway (adopt), not made here. */
  change: [view: SettingsView, origin: 'local' | 'shared'];
}

function frozen(settings: IncomingCallsSettings): IncomingCallsSettings {
  const copy = structuredClone(settings);
  const freeze = (value: unknown): void => {
    if (value && typeof value === 'object') {
      Object.values(value).forEach(freeze);
      Object.freeze(value);
    }
  };
  freeze(copy);
  return copy;
}

/**
 * The Incoming Calls dialog's buttons (help page, "Storing the Configuration"):
 * - `running` is what calls use. **Set** replaces it; it is lost on restart.
 * - `stored` is permanent; a restart starts from it.
 * - **store()** makes `running` permanent (the Close dialog's "store the configuration").
 * - **Factory** and **Restore** only *load* values into the dialog (FACTORY_SETTINGS and
 *   `stored` of the view); nothing changes here until the dialog's Set.
 */
export class SettingsService extends TypedEmitter<SettingsServiceEvents> {
  #running: IncomingCallsSettings;
  #stored: IncomingCallsSettings;

  constructor(
    private readonly repository: SettingsRepository,
    private readonly references: SettingsReferences,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    super();
    this.#stored = frozen(repository.load() ?? FACTORY_SETTINGS);
    this.#running = this.#stored;
  }

  get running(): IncomingCallsSettings {
    return this.#running;
  }

  get stored(): IncomingCallsSettings {
    return this.#stored;
  }

  /** Running differs from stored: closing the dialog should offer to store. */
  get dirty(): boolean {
    return JSON.stringify(this.#running) !== JSON.stringify(this.#stored);
  }

  get warnings(): string[] {
    return settingsWarnings(this.#running);
  }

  view(): SettingsView {
    return { running: this.#running, stored: this.#stored, dirty: this.dirty, warnings: this.warnings };
  }

  /** Set: validates everything (schema, then references) and changes nothing on failure. */
  set(input: unknown): SettingsView {
    const parsed = IncomingCallsSettingsSchema.safeParse(input);
    if (!parsed.success) {
      throw new SettingsValidationError(
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || 'settings', message: issue.message })),
      );
    }
    const settings = parsed.data;
    if (settings.welcomeMessageId !== null && !this.references.messageExists(settings.welcomeMessageId))
      throw new SettingsValidationError([{ path: 'welcomeMessageId', message: 'no audio message with this id' }]);
    if (settings.emailProfileId !== null && !this.references.emailProfileExists(settings.emailProfileId))
      throw new SettingsValidationError([{ path: 'emailProfileId', message: 'no email profile with this id' }]);
    this.#running = frozen(settings);
    this.logger.info({ dirty: this.dirty }, 'running settings changed');
    return this.#changed();
  }

  async store(): Promise<SettingsView> {
    await this.repository.save(this.#running, this.clock.now());
    this.#stored = this.#running;
    this.logger.info('settings stored');
    return this.#changed();
  }

  /**
   * Another gateway's Set or store of this camera (several gateways sharing state): taken as
   * it is, already validated there and by the shared state's schema.
   */
  adopt(running: IncomingCallsSettings, stored: IncomingCallsSettings): SettingsView {
    this.#running = frozen(running);
    this.#stored = frozen(stored);
    this.logger.info({ dirty: this.dirty }, 'running settings taken from another gateway');
    return this.#changed('shared');
  }

  /**
   * Another gateway stored these settings (read back from the shared database): they are
   * stored here too, and running unless a Set made here is not stored yet. False: nothing new.
   */
  storedElsewhere(stored: IncomingCallsSettings): boolean {
    if (JSON.stringify(stored) === JSON.stringify(this.#stored)) return false;
    this.adopt(this.dirty ? this.#running : stored, stored);
    return true;
  }

  /** Is this message or email profile used by the running or stored settings (then it must not be deleted)? */
  uses(reference: { messageId: string } | { emailProfileId: string }): boolean {
    const both = [this.#running, this.#stored];
    return 'messageId' in reference
      ? both.some((s) => s.welcomeMessageId === reference.messageId)
      : both.some((s) => s.emailProfileId === reference.emailProfileId);
  }

  #changed(origin: 'local' | 'shared' = 'local'): SettingsView {
    const view = this.view();
    this.safeEmit('change', view, origin);
    return view;
  }
}
