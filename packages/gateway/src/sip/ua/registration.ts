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
import { Headers, NameAddr, SipRequest, SipUri, clip, newCallId, newTag, parseSipUri, type SipResponse } from '../message/index.ts';
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

/** Longest registration lifetime we ask for or accept as Min-Expires (a day). */
const MAX_EXPIRES_S = 86_400;

/** Longest Retry-After honoured (a day); Node would fire a timer beyond 2^31 ms at once. */
const MAX_RETRY_AFTER_S = 86_400;

/** Longest `close()` waits for the unregister to be answered. */
const CLOSE_WAIT_MS = 4000;

const DEFAULT_REGISTRATION_TIMINGS: RegistrationTimings = { retryBaseMs: 5_000, retryMaxMs: 300_000, refreshFraction: 0.85 };

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
    if (options.expires !== undefined && !(Number.isInteger(options.expires) && options.expires > 0 && options.expires <= MAX_EXPIRES_S)) {
      throw new ValidationError('expires', `must be a whole number of seconds from 1 to ${MAX_EXPIRES_S}`);
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

  /**
   * Unregisters (best effort, waiting at most CLOSE_WAIT_MS: an unreachable provider must
   * not hold up a shutdown for Timer F's 32 s) and stops all timers. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.clock.clearTimeout(this.#timer);
    let deadline: TimerHandle | undefined;
    const gaveUp = new Promise<'gave-up'>((resolve) => (deadline = this.#ctx.clock.setTimeout(() => resolve('gave-up'), CLOSE_WAIT_MS)));
    const outcome = await Promise.race([this.#unregister(), gaveUp]);
    this.#ctx.clock.clearTimeout(deadline);
    if (outcome === 'gave-up') this.#log.warn({ waitedMs: CLOSE_WAIT_MS }, 'no answer to unregister; closing anyway');
    if (this.#state !== 'disabled') this.#transition('disabled', 'closed');
  }

  async #unregister(): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
    if (this.#state !== 'registered') return;
    try {
      await this.#register(0);
    } catch (error) {
      this.#log.warn({ err: error }, 'unregister failed');
    }
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
        if (!Number.isInteger(min) || min <= expires || min > MAX_EXPIRES_S) throw new RegisterError('423 without a usable Min-Expires');
        expires = min;
        continue;
      }
      const retryAfter = Number(response.header('Retry-After')?.split(/[;(]/)[0]);
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, MAX_RETRY_AFTER_S) * 1000 : undefined;
      throw new RegisterError(`${status} ${clip(response.reason, 64)}`, retryAfterMs);
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

  /**
   * The lifetime the registrar granted our Contact (its `expires` param, else Expires). A
   * registrar may only shorten the requested one (RFC 3261 §10.3 step 7); a longer or absurd
   * value is read as the requested one, so the refresh timer stays sane.
   */
  #grantedExpires(response: SipResponse, requested: number): number {
    const ours = response.contacts.find((c) => c.uri instanceof SipUri && c.uri.user === this.contact.user);
    const fromContact = Number(ours?.params.get('expires'));
    const fromHeader = Number(response.header('Expires'));
    const granted = Number.isFinite(fromContact) && fromContact > 0 ? fromContact : fromHeader;
    return Number.isFinite(granted) && granted > 0 ? Math.min(granted, requested) : requested;
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
