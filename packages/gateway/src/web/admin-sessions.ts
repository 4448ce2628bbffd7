import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Signed-in admin sessions: random bearer tokens kept in memory (a restart signs everyone out). */
export class AdminSessions {
  readonly #sessions = new Map<string, { username: string; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  create(username: string): string {
    this.#prune();
    const token = randomBytes(32).toString('base64url');
    this.#sessions.set(token, { username, expiresAt: this.clock.now() + SESSION_TTL_MS });
    return token;
  }

  /** The signed-in username for a token, or undefined. */
  verify(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const session = this.#sessions.get(token);
    if (!session || session.expiresAt <= this.clock.now()) return undefined;
    return session.username;
  }

  destroy(token: string | undefined): void {
    if (token) this.#sessions.delete(token);
  }

  #prune(): void {
    const now = this.clock.now();
    for (const [token, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(token);
  }
}

export const SESSION_COOKIE = 'camgate_session';

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
