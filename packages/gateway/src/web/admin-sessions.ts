import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import type { AdminSessionRepository } from '../store/admin-session-repository.ts';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Signed-in admin sessions: random bearer tokens, kept (hashed) in the database so a restart keeps them. */
export class AdminSessions {
  constructor(
    private readonly clock: Clock,
    private readonly repository: AdminSessionRepository,
  ) {}

  async create(username: string): Promise<string> {
    const now = this.clock.now();
    await this.repository.deleteExpired(now);
    const token = randomBytes(32).toString('base64url');
    await this.repository.add(token, username, now + SESSION_TTL_MS);
    return token;
  }

  /** The signed-in username for a token, or undefined (from memory: every request asks). */
  verify(token: string | undefined): string | undefined {
    return token ? this.repository.find(token, this.clock.now()) : undefined;
  }

  async destroy(token: string | undefined): Promise<void> {
    if (token) await this.repository.delete(token);
  }
}

export const SESSION_COOKIE = 'camgate_session';

/**
 * Reads one cookie from a Cookie header. Throws ValidationError (field `cookie <name>`) when
 * its value is not valid percent-encoding: the header comes from anyone.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new ValidationError(`cookie ${name}`, 'is not valid percent-encoding');
    }
  }
  return undefined;
}
