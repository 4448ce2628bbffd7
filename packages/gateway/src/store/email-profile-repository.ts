import { EmailProfileSchema, type EmailProfile, type EmailProfileView } from '@camgate/protocol';
import { ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { Mirror } from './mirror.ts';
import type { Outbox } from './outbox.ts';

function toEmailProfileView(profile: EmailProfile): EmailProfileView {
  const { password, ...view } = profile;
  return { ...view, hasPassword: password !== '' };
}

/**
 * Email profiles ("Email Profiles" dialog). Passwords are stored, never read back out by views.
 * The few profiles are held in memory (settings validation checks them synchronously) and written through.
 */
export class EmailProfileRepository {
  readonly #profiles = new Mirror<EmailProfile>();

  constructor(
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {}

  /** Reads every stored profile into memory. */
  async refresh(): Promise<void> {
    await this.#profiles.refresh(async () => {
      const rows = await this.outbox.read((db) => db.all<{ json: string }>('SELECT json FROM email_profiles'));
      return rows.flatMap(({ json }) => {
        const profile = this.#parse(json);
        return profile ? [[profile.id, profile] as const] : [];
      });
    });
  }

  list(): EmailProfileView[] {
    return this.#profiles.values().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(toEmailProfileView);
  }

  /** The full profile, password included: for the mail sender only. */
  get(id: string): EmailProfile | null {
    return this.#profiles.get(id) ?? null;
  }

  exists(id: string): boolean {
    return this.#profiles.has(id);
  }

  /**
   * Creates or replaces a profile; an empty password keeps the stored one (the dialog never
   * sees it). Throws ValidationError naming the field of an invalid profile.
   */
  async put(profile: EmailProfile, now: number): Promise<EmailProfileView> {
    const parsed = EmailProfileSchema.safeParse(profile);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ValidationError(issue.path.join('.') || 'profile', issue.message);
    }
    const valid = parsed.data;
    const previous = this.get(valid.id);
    const password = valid.password === '' && previous ? previous.password : valid.password;
    const stored = { ...valid, password };
    await this.outbox.write('email profile', (db) =>
      db.run(
        `INSERT INTO email_profiles (id, json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
        [valid.id, JSON.stringify(stored), now],
      ),
      { topic: 'email-profiles' },
    );
    this.#profiles.set(valid.id, stored);
    return toEmailProfileView(stored);
  }

  async delete(id: string): Promise<boolean> {
    if (!this.#profiles.delete(id)) return false;
    await this.outbox.write('email profile removal', (db) => db.run('DELETE FROM email_profiles WHERE id = ?', [id]), { topic: 'email-profiles' });
    return true;
  }

  #parse(json: string): EmailProfile | null {
    try {
      return EmailProfileSchema.parse(JSON.parse(json));
    } catch {
      this.logger.warn('an email profile row is invalid and is ignored');
      return null;
    }
  }
}
