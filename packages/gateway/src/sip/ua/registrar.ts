/**
 * The gateway as registrar of its own realm (RFC 3261 §10.3) for softphone accounts over
 * WebSocket: a browser (JsSIP: `Contact: <sip:x@y.invalid;transport=ws>`) registers once
 * authenticated, so the camera can call it back over that very WebSocket. A binding ends
 * when it expires, is removed (Expires 0 / `*`) or its connection closes. Authentication is
 * the user agent's job; this module keeps the bindings.
 */
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { clip, createResponse, NameAddr, type SipRequest, type SipResponse, type Uri } from '../message/index.ts';

/** Shortest and longest binding lifetime we grant (seconds); JsSIP asks for 600. */
export const REGISTRAR_MIN_EXPIRES_S = 60;
export const REGISTRAR_MAX_EXPIRES_S = 3600;
/** Bindings per account (browser tabs); a further one replaces the oldest. */
export const MAX_BINDINGS_PER_ACCOUNT = 10;

export interface SoftphoneBinding {
  account: string;
  contact: Uri;
  connectionId: string;
  expiresAt: number;
}

export class SoftphoneRegistrar {
  /** Bindings by account, oldest first. */
  readonly #bindings = new Map<string, SoftphoneBinding[]>();
  readonly #log: Logger;

  constructor(
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.#log = logger.child({ component: 'sip-registrar' });
  }

  /** The live bindings of `account`, newest first (the tab registered last rings too). */
  bindings(account: string): SoftphoneBinding[] {
    const now = this.clock.now();
    const live = (this.#bindings.get(account) ?? []).filter((b) => b.expiresAt > now);
    if (live.length === 0) this.#bindings.delete(account);
    else this.#bindings.set(account, live);
    return [...live].reverse();
  }

  /** An authenticated REGISTER of `account` over connection `connectionId`: updates its bindings and answers. */
  register(request: SipRequest, account: string, connectionId: string): SipResponse {
    const now = this.clock.now();
    const headerExpires = parseExpires(request.header('Expires'));
    const contacts = request.headers.getAll('Contact');
    let current = this.bindings(account).reverse();
    if (contacts.length === 1 && contacts[0]!.trim() === '*') {
      if (headerExpires !== 0) return createResponse(request, 400, { reason: 'Contact * Needs Expires 0' });
      current = current.filter((b) => b.connectionId !== connectionId);
    } else {
      for (const contact of request.contacts) {
        const asked = parseExpires(contact.params.get('expires') ?? undefined) ?? headerExpires ?? REGISTRAR_MAX_EXPIRES_S;
        if (asked > 0 && asked < REGISTRAR_MIN_EXPIRES_S) {
          return createResponse(request, 423, { headers: [['Min-Expires', REGISTRAR_MIN_EXPIRES_S]] });
        }
        const key = contact.uri.toString();
        current = current.filter((b) => b.contact.toString() !== key);
        if (asked === 0) continue;
        current.push({ account, contact: contact.uri, connectionId, expiresAt: now + Math.min(asked, REGISTRAR_MAX_EXPIRES_S) * 1000 });
      }
      current = current.slice(-MAX_BINDINGS_PER_ACCOUNT);
    }
    if (current.length > 0) this.#bindings.set(account, current);
    else this.#bindings.delete(account);
    this.#log.info({ account, bindings: current.length, callId: clip(request.callId, 64) }, 'softphone registration');
    const headers = current.map((b) => ['Contact', new NameAddr(b.contact).withParam('expires', String(Math.round((b.expiresAt - now) / 1000))).toString()] as const);
    return createResponse(request, 200, { headers: [...headers, ['Date', new Date(now).toUTCString()]] });
  }

  /** The WebSocket is gone: its browsers cannot be called any more. */
  connectionClosed(connectionId: string): void {
    for (const [account, list] of this.#bindings) {
      const rest = list.filter((b) => b.connectionId !== connectionId);
      if (rest.length === list.length) continue;
      if (rest.length > 0) this.#bindings.set(account, rest);
      else this.#bindings.delete(account);
      this.#log.info({ account, bindings: rest.length }, 'softphone binding gone with its connection');
    }
  }
}

function parseExpires(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,10}\s*$/.test(value)) return undefined;
  return Number(value);
}
