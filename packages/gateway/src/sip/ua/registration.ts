/**
 * Registration with a SIP provider as a client (RFC 3261 §10.2): REGISTER with digest
 * authentication (401/407, §22.2), refresh before the granted expiry, retry with
 * exponential backoff after a failure, unregister (Expires: 0) on close.
 *
 * The Contact's user part is a random token, so a request the provider routes to us can
 * be told apart from a direct call (`matchesContact`), even when it rewrote the host.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { InvalidStateError, ValidationError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { Headers, NameAddr, SipRequest, SipUri, newCallId, newTag, parseSipUri, type SipResponse } from '../message/index.ts';
import { answerChallenge, pickStrongestChallenge, type DigestChallenge } from './digest.ts';

export type RegistrationState = 'disabled' | 'registering' | 'registered' | 'failed';

const TRANSITIONS: Readonly<Record<RegistrationState, readonly RegistrationState[]>> = {
  disabled: ['registering'],
  registering: ['registered', 'failed', 'disabled'],
  registered: ['failed', 'disabled'],
  failed: ['registering', 'disabled'],
};

export interface RegistrarAddress {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
}

export interface RegistrationOptions {
  /** Where REGISTER goes (the provider's registrar, also used as outbound proxy). */
  registrar: RegistrarAddress;
  /** Address of record, e.g. `sip:4930123456@sip.provider.example`. */
  aor: string;
  /** Digest user name; the AoR's user when absent. */
  username?: string;
  password: string;
  /** Requested registration lifetime in seconds (default 600). */
  expires?: number;
}

export interface RegistrationTimings {
  /** First retry delay after a failure; doubles per failure (default 5 s). */
  retryBaseMs: number;
  /** Longest retry delay (default 5 min). */
  retryMaxMs: number;
  /** Refresh when this fraction of the granted lifetime has passed (default 0.85). */
  refreshFraction: number;
}

export const DEFAULT_REGISTRATION_TIMINGS: RegistrationTimings = { retryBaseMs: 5_000, retryMaxMs: 300_000, refreshFraction: 0.85 };

export interface RegistrationEvents extends Record<string, unknown[]> {
  /** `detail`: why (e.g. "403 Forbidden", "timeout"), or the granted lifetime when registered. */
  state: [state: RegistrationState, detail: string];
}

/** What the registration needs from the stack: send a request, get its final response. */
export interface RegistrationContext {
  clock: Clock;
  logger: Logger;
  /** Sends REGISTER to the registrar in a non-INVITE client transaction; rejects on timeout or transport error. */
  send(request: SipRequest, registrar: RegistrarAddress): Promise<SipResponse>;
  /** Our Contact URI (host:port of the local socket of that transport) with the given user. */
  contactUri(user: string, transport: 'udp' | 'tcp'): SipUri;
  userAgent: string;
  timings?: Partial<RegistrationTimings>;
}

export class Registration extends TypedEmitter<RegistrationEvents> {
  readonly aor: SipUri;
  readonly contact: SipUri;
  readonly #options: RegistrationOptions;
  readonly #ctx: RegistrationContext;
  readonly #timings: RegistrationTimings;
  readonly #callId = newCallId();
  readonly #fromTag = newTag();
  readonly #log: Logger;
  #cseq = 0;
  #state: RegistrationState = 'disabled';
  #detail = '';
  #timer: TimerHandle | undefined;
  #failures = 0;
  #closed = false;
  /** Current challenge, answered again on refreshes with a growing nonce count. */
  #auth: { challenge: DigestChallenge; header: 'Authorization' | 'Proxy-Authorization'; count: number } | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(options: RegistrationOptions, ctx: RegistrationContext) {
    super();
    const aor = parseSipUri(options.aor);
    if (!aor.user) throw new ValidationError('aor', 'needs a user part');
    if (options.expires !== undefined && !(Number.isInteger(options.expires) && options.expires > 0)) {
      throw new ValidationError('expires', 'must be a positive whole number of seconds');
    }
    this.aor = aor;
    this.#options = options;
    this.#ctx = ctx;
    this.#timings = { ...DEFAULT_REGISTRATION_TIMINGS, ...ctx.timings };
    this.contact = ctx.contactUri(`cg-${newTag().replace(/[^A-Za-z0-9]/g, '')}`, options.registrar.transport);
    this.#log = ctx.logger.child({ aor: options.aor, registrar: `${options.registrar.host}:${options.registrar.port}` });
  }

  get state(): RegistrationState {
    return this.#state;
  }

  get detail(): string {
    return this.#detail;
  }

  /** True when `uri` (a Request-URI) is the Contact this registration put at the registrar. */
  matchesContact(uri: SipUri): boolean {
    return uri.user === this.contact.user;
  }

  /** Starts registering; refreshes and retries go on until `close()`. */
  start(): void {
    if (this.#closed) throw new InvalidStateError('registration closed');
    if (this.#state !== 'disabled') return;
    this.#transition('registering', '');
    this.#attempt();
  }

  /** Unregisters (best effort) and stops all timers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.clock.clearTimeout(this.#timer);
    await this.#inFlight?.catch(() => undefined);
    const wasRegistered = this.#state === 'registered';
    if (wasRegistered) {
      try {
        await this.#register(0);
      } catch (error) {
        this.#log.warn({ err: error }, 'unregister failed');
      }
    }
    if (this.#state !== 'disabled') this.#transition('disabled', 'closed');
  }

  #attempt(): void {
    const expires = this.#options.expires ?? 600;
    this.#inFlight = this.#register(expires).then(
      (granted) => this.#onRegistered(granted),
      (error: Error) => this.#onFailed(error.message, error instanceof RegisterError ? error.retryAfterMs : undefined),
    );
  }

  #onRegistered(granted: number): void {
    if (this.#closed) return;
    this.#failures = 0;
    if (this.#state !== 'registered') this.#transition('registered', `expires ${granted}s`);
    const refreshMs = Math.max(1000, granted * 1000 * this.#timings.refreshFraction);
    this.#log.info({ granted, refreshMs }, 'registered');
    this.#timer = this.#ctx.clock.setTimeout(() => this.#attempt(), refreshMs);
  }

  #onFailed(reason: string, retryAfterMs?: number): void {
    if (this.#closed) return;
    this.#failures++;
    const backoff = Math.min(this.#timings.retryMaxMs, this.#timings.retryBaseMs * 2 ** (this.#failures - 1));
    const delay = retryAfterMs ?? backoff;
    this.#log.warn({ reason, retryInMs: delay }, 'registration failed');
    this.#transition('failed', reason);
    this.#timer = this.#ctx.clock.setTimeout(() => {
      this.#transition('registering', reason);
      this.#attempt();
    }, delay);
  }

  /** One REGISTER exchange including authentication and 423; resolves with the granted lifetime. */
  async #register(expires: number): Promise<number> {
    // Credentials from a challenge of this very exchange: a second challenge means they are wrong.
    let answeredFreshChallenge = false;
    for (let round = 0; round < 4; round++) {
      const response = await this.#ctx.send(this.#buildRequest(expires), this.#options.registrar);
      const { status } = response;
      if (status >= 200 && status < 300) return expires === 0 ? 0 : this.#grantedExpires(response, expires);
      if (status === 401 || status === 407) {
        const challenge = pickStrongestChallenge(response.headers.getAll(status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'));
        if (!challenge) throw new RegisterError(`${status} without a usable digest challenge`);
        if (answeredFreshChallenge && !challenge.stale) throw new RegisterError(`${status} authentication failed`);
        this.#auth = { challenge, header: status === 401 ? 'Authorization' : 'Proxy-Authorization', count: 0 };
        answeredFreshChallenge = true;
        continue;
      }
      if (status === 423) {
        const min = Number(response.header('Min-Expires'));
        if (!Number.isInteger(min) || min <= expires) throw new RegisterError('423 without a usable Min-Expires');
        expires = min;
        continue;
      }
      const retryAfter = Number(response.header('Retry-After')?.split(/[;(]/)[0]);
      throw new RegisterError(`${status} ${response.reason}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
    }
    throw new RegisterError('no final answer after repeated challenges');
  }

  #buildRequest(expires: number): SipRequest {
    const requestUri = new SipUri({ scheme: this.aor.scheme, host: this.aor.host, ...(this.aor.port !== undefined && { port: this.aor.port }) });
    const headers = new Headers([
      ['Max-Forwards', 70],
      ['From', new NameAddr(this.aor).withTag(this.#fromTag)],
      ['To', new NameAddr(this.aor)],
      ['Call-ID', this.#callId],
      ['CSeq', `${++this.#cseq} REGISTER`],
      ['Contact', new NameAddr(this.contact)],
      ['Expires', expires],
      ['User-Agent', this.#ctx.userAgent],
    ]);
    if (this.#auth) {
      this.#auth.count++;
      const credentials = { username: this.#options.username ?? this.aor.user!, password: this.#options.password };
      const value = answerChallenge(this.#auth.challenge, { method: 'REGISTER', uri: requestUri.toString() }, credentials, this.#auth.count);
      headers.set(this.#auth.header, value);
    }
    return new SipRequest('REGISTER', requestUri, { headers });
  }

  /** The lifetime the registrar granted our Contact (its `expires` param, else Expires). */
  #grantedExpires(response: SipResponse, requested: number): number {
    const ours = response.contacts.find((c) => c.uri instanceof SipUri && c.uri.user === this.contact.user);
    const fromContact = Number(ours?.params.get('expires'));
    if (Number.isFinite(fromContact) && fromContact > 0) return fromContact;
    const fromHeader = Number(response.header('Expires'));
    return Number.isFinite(fromHeader) && fromHeader > 0 ? fromHeader : requested;
  }

  #transition(next: RegistrationState, detail: string): void {
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new InvalidStateError(`registration ${this.#state} -> ${next} is not allowed`);
    }
    this.#state = next;
    this.#detail = detail;
    this.safeEmit('state', next, detail);
  }
}

/** A REGISTER that failed; `retryAfterMs` from the registrar's Retry-After, if any. */
class RegisterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
