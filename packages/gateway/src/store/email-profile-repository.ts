import { EmailProfileSchema, type EmailProfile, type EmailProfileView } from '@camgate/protocol';
import { ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { SqliteDatabase } from './database.ts';

function toEmailProfileView(profile: EmailProfile): EmailProfileView {
  const { password, ...view } = profile;
  return { ...view, hasPassword: password !== '' };
}

/** Email profiles ("Email Profiles" dialog). Passwords are stored, never read back out by views. */
export class EmailProfileRepository {
  readonly #list;
  readonly #get;
  readonly #upsert;
  readonly #delete;

  constructor(
    db: SqliteDatabase,
    private readonly logger: Logger,
  ) {
    this.#list = db.prepare('SELECT json FROM email_profiles ORDER BY id').pluck();
    this.#get = db.prepare('SELECT json FROM email_profiles WHERE id = ?').pluck();
    this.#upsert = db.prepare(
      `INSERT INTO email_profiles (id, json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare('DELETE FROM email_profiles WHERE id = ?');
  }

  list(): EmailProfileView[] {
    return (this.#list.all() as string[]).flatMap((json) => {
      const profile = this.#parse(json);
      return profile ? [toEmailProfileView(profile)] : [];
    });
  }

  /** The full profile, password included: for the mail sender only. */
  get(id: string): EmailProfile | null {
    const json = this.#get.get(id) as string | undefined;
    return json === undefined ? null : this.#parse(json);
  }

  exists(id: string): boolean {
    return this.#get.get(id) !== undefined;
  }

  /**
   * Creates or replaces a profile; an empty password keeps the stored one (the dialog never
   * sees it). Throws ValidationError naming the field of an invalid profile.
   */
  put(profile: EmailProfile, now: number): EmailProfileView {
    const parsed = EmailProfileSchema.safeParse(profile);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ValidationError(issue.path.join('.') || 'profile', issue.message);
    }
    const valid = parsed.data;
    const previous = this.get(valid.id);
    const password = valid.password === '' && previous ? previous.password : valid.password;
    const stored = { ...valid, password };
    this.#upsert.run(valid.id, JSON.stringify(stored), now);
    return toEmailProfileView(stored);
  }

  delete(id: string): boolean {
    return this.#delete.run(id).changes > 0;
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
