import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import { within } from '../core/within.ts';
import type { AdminSessionRepository } from '../store/admin-session-repository.ts';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** How long a request waits for the database to look up a session this gateway does not know. */
const LOOKUP_WAIT_MS = 2000;

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

  /**
   * The signed-in username for a token, or undefined. From memory (every request asks); a
   * token unknown there is looked up in the database, since another gateway sharing it may
   * have signed it in a moment ago.
   */
  async verify(token: string | undefined): Promise<string | undefined> {
    if (!token) return undefined;
    const now = this.clock.now();
    return this.repository.find(token, now) ?? (await within(this.repository.lookup(token, now), LOOKUP_WAIT_MS));
  }

  async destroy(token: string | undefined): Promise<void> {
    if (token) await this.repository.delete(token);
  }
}

export const SESSION_COOKIE = 'camgate_session';

/** Express middleware: 401 without a valid admin session; `res.locals.username` names the admin. */
export function signedIn(sessions: AdminSessions): RequestHandler {
  return (req, res, next) => {
    sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE)).then((username) => {
      if (!username) return void res.status(401).json({ error: 'sign in first' });
      res.locals.username = username;
      next();
    }, next);
  };
}

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
