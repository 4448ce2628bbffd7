import type { AudioMode, CallInfo, CallOutcome, Caption, IncomingCallsSettings, KeypadDigit } from '@camgate/protocol';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import type { CallPort, DtmfSource, IncomingCall, Key, PromptResult } from './call-port.ts';
import { assertTransition, ledOf, phaseOf, type CallState } from './call-state.ts';
import type { CommandOutcome, KeypadCommand } from './keypad-commands.ts';
import type { PinGuard, PinGuardKeys } from './pin-guard.ts';
import { PHRASES, selectionPhrase, type Phrases } from './phrases.ts';

/** FreeSWITCH play_and_get_digits' digit_timeout: silence after which the PIN prompt repeats. */
export const INTER_DIGIT_TIMEOUT_MS = 10_000;
/** Spoken warning this long before the max call time (2N warns 10 s before). */
const MAX_CALL_WARNING_MS = 10_000;
/** Wrong PINs per call before it ends (Asterisk Authenticate: 3 tries). */
const MAX_PIN_ATTEMPTS = 3;
/** Silent PIN prompts (timeouts) in a row before the call ends. */
const MAX_PIN_TIMEOUTS = 3;
/** Digits kept while a PIN is typed; the longest PIN is 12. */
const MAX_PIN_DIGITS = 32;
/** Captions kept for a browser that starts watching the call after they were said. */
const RECENT_CAPTIONS = 10;

/** Lock-out keys of a call: its caller, and its source address unless that is a provider's proxy. */
export function pinGuardKeys(caller: string, incoming: IncomingCall): PinGuardKeys {
  return { caller, address: incoming.throughProvider ? null : incoming.sourceAddress };
}

/** The call prompts in English (the factory language); every language's are in phrases.ts. */
export const PROMPTS = PHRASES.en.prompts;

export interface CameraCallEvents extends Record<string, unknown[]> {
  /** Phase, LED, audio mode or selection changed. */
  update: [info: CallInfo];
  /** The camera said this to the caller. */
  caption: [caption: Caption];
  /** A keypad command ran (for the call log and the LEDs). */
  command: [result: { digit: KeypadDigit; name: string; ok: boolean }];
  /** A wrong PIN locked this caller or address out. */
  lockout: [until: number];
  ended: [info: CallInfo, outcome: CallOutcome];
}

export interface CameraCallOptions {
  port: CallPort;
  incoming: IncomingCall;
  /** The caller as presented (number or sip:user@host). */
  caller: string;
  /** Settings as they were when the call came in; a call keeps them to its end. */
  settings: IncomingCallsSettings;
  menu: ReadonlyMap<KeypadDigit, KeypadCommand>;
  pinGuard: PinGuard;
  clock: Clock;
  logger: Logger;
}

/**
 * The IVR of one call, as the help page describes it: ring, welcome message (a key barges
 * in), PIN (digits then #), then the main menu (a digit selects and is spoken back, # runs
 * it, * speaks the menu) in the configured audio mode, until the caller hangs up or the max
 * call time ends it. It sees the call only through its CallPort.
 */
export class CameraCall extends TypedEmitter<CameraCallEvents> {
  readonly callId: string;
  #state: CallState = 'ringing';
  #audioMode: AudioMode = 'none';
  #selected: KeypadDigit | null = null;
  #endsAt: number | null = null;
  #outcome: CallOutcome | null = null;
  readonly #startedAt: number;
  readonly #log: Logger;
  /** Everything this call says, in the language of its settings. */
  readonly #phrases: Phrases;

  #pinDigits = '';
  #wrongPins = 0;
  #pinTimeouts = 0;
  /** Set while the call says its last words: keys no longer count. */
  #leaving = false;

  #ringTimer: TimerHandle | undefined;
  #interDigitTimer: TimerHandle | undefined;
  #maxCallWarningTimer: TimerHandle | undefined;
  /** The time warning was given and the call can be extended with `#`. */
  #timeWarned = false;
  #maxCallTimer: TimerHandle | undefined;
  /** The last captions: a watcher that joins late (its socket races the INVITE) still reads them. */
  readonly #recentCaptions: Caption[] = [];

  constructor(private readonly options: CameraCallOptions) {
    super();
    this.callId = options.port.callId;
    this.#startedAt = options.clock.now();
    this.#log = options.logger.child({ callId: this.callId });
    this.#phrases = PHRASES[options.settings.locale.language];
  }

  get state(): CallState {
    return this.#state;
  }

  get outcome(): CallOutcome | null {
    return this.#outcome;
  }

  get recentCaptions(): readonly Caption[] {
    return this.#recentCaptions;
  }

  get info(): CallInfo {
    return {
      callId: this.callId,
      caller: this.options.caller,
      transport: this.options.incoming.caller.transport,
      phase: phaseOf(this.#state),
      audioMode: this.#audioMode,
      startedAt: this.#startedAt,
      endsAt: this.#endsAt,
      led: ledOf(this.#state),
      selectedCommand: this.#selected,
    };
  }

  /** Rings for the configured time, then answers. Called once by the Camera. */
  start(): void {
    this.#log.info({ event: 'ringing', caller: this.options.caller, ringSeconds: this.options.settings.ringSeconds }, 'call ringing');
    this.safeEmit('update', this.info);
    this.#ringTimer = this.options.clock.setTimeout(() => {
      this.#ringTimer = undefined;
      void this.#answer();
    }, this.options.settings.ringSeconds * 1000);
  }

  /** A key from the caller (RFC 4733, SIP INFO or in-band). */
  key(key: Key, source: DtmfSource): void {
    // A digit typed before the menu may be part of the PIN (also while the 200 OK awaits its
    // ACK, still 'ringing'): logged masked, like on a screen.
    const beforeMenu = this.#state === 'ringing' || this.#state === 'welcome' || this.#state === 'pin';
    const secret = this.options.settings.pin !== '' && beforeMenu && key !== '#' && key !== '*';
    this.#log.info({ event: 'key', key: secret ? '*' : key, source, state: this.#state }, 'key');
    if (this.#leaving) return;
    switch (this.#state) {
      case 'ringing':
      case 'ended':
        return;
      case 'welcome':
        return this.#bargeIn(key);
      case 'pin':
        return this.#pinKey(key);
      case 'connected':
      case 'executing':
        return this.#menuKey(key);
    }
  }

  /** Switches the audio mode of a connected call (keys 7/8/9, the softphone's toggles). */
  setAudioMode(mode: AudioMode): void {
    if (this.#state !== 'connected' && this.#state !== 'executing') return;
    if (mode === this.#audioMode) return;
    this.#audioMode = mode;
    this.options.port.setAudioMode(mode);
    this.#log.info({ event: 'audio-mode', mode }, 'audio mode');
    this.safeEmit('update', this.info);
  }

  /** The call is gone (caller hung up, media died, CANCEL): the glue reports it. Idempotent. */
  ended(outcome: CallOutcome): void {
    this.#finish(outcome);
  }

  /** The camera ends the call. Idempotent. */
  hangup(outcome: CallOutcome): void {
    if (this.#state === 'ended') return;
    this.#finish(outcome);
    this.options.port.hangup(outcome);
  }

  // --- answer and welcome -------------------------------------------------------------

  async #answer(): Promise<void> {
    try {
      await this.options.port.answer();
    } catch (error) {
      this.#log.warn({ event: 'answer-failed', err: (error as Error).message }, 'answer failed');
      return this.hangup('error');
    }
    if (this.#state !== 'ringing') return;
    this.#startMaxCallTimers();
    const { welcomeMessageId } = this.options.settings;
    if (welcomeMessageId === null) return this.#afterWelcome();
    this.#transition('welcome');
    await this.#play(welcomeMessageId);
    // A key may have barged in (state moved on) or the call ended meanwhile.
    if (this.#isIn('welcome')) this.#afterWelcome();
  }

  #afterWelcome(): void {
    if (this.options.settings.pin === '') this.#connect();
    else this.#askForPin(true);
  }

  /** A key during the welcome cuts it short; with a PIN set, that key is the PIN's first digit. */
  #bargeIn(key: Key): void {
    this.options.port.interruptPrompts();
    if (this.options.settings.pin === '') {
      this.#connect();
      this.#menuKey(key);
    } else {
      this.#askForPin(false);
      this.#pinKey(key);
    }
  }

  // --- PIN ----------------------------------------------------------------------------

  #askForPin(withPrompt: boolean): void {
    if (this.#state !== 'pin') this.#transition('pin');
    this.#pinDigits = '';
    if (!withPrompt) return this.#armInterDigitTimer();
    void this.#say(this.#phrases.prompts.enterPin).then(() => {
      // Start timing the caller once the prompt is over, unless they are already typing.
      if (this.#state === 'pin' && !this.#leaving && this.#interDigitTimer === undefined) this.#armInterDigitTimer();
    });
  }

  #pinKey(key: Key): void {
    this.options.port.interruptPrompts();
    this.#pinTimeouts = 0;
    if (key === '#') return this.#checkPin();
    if (key === '*') this.#pinDigits = ''; // start over
    else if (this.#pinDigits.length < MAX_PIN_DIGITS) this.#pinDigits += key;
    this.#armInterDigitTimer();
  }

  #armInterDigitTimer(): void {
    this.options.clock.clearTimeout(this.#interDigitTimer);
    this.#interDigitTimer = this.options.clock.setTimeout(() => {
      this.#interDigitTimer = undefined;
      this.#pinTimeouts += 1;
      this.#log.info({ event: 'pin-timeout', timeouts: this.#pinTimeouts }, 'PIN entry timed out');
      if (this.#pinTimeouts >= MAX_PIN_TIMEOUTS) void this.#leave('pin-failed', this.#phrases.prompts.goodbye);
      else this.#askForPin(true);
    }, INTER_DIGIT_TIMEOUT_MS);
  }

  #checkPin(): void {
    this.options.clock.clearTimeout(this.#interDigitTimer);
    this.#interDigitTimer = undefined;
    const entered = this.#pinDigits;
    this.#pinDigits = '';
    // A bare # (e.g. to skip the welcome) is no guess: ask again without counting it.
    if (entered === '') return this.#askForPin(true);
    void this.#judgePin(entered);
  }

  async #judgePin(entered: string): Promise<void> {
    const keys = this.#guardKeys();
    const guard = this.options.pinGuard;
    // Other gateways count this caller's wrong PINs too: their latest count decides.
    await guard.sync(keys);
    if (this.#state !== 'pin' || this.#leaving) return;
    if (guard.lockedUntil(keys) !== null) {
      this.#log.warn({ event: 'pin-locked-out' }, 'caller is locked out');
      return void this.#leave('locked-out', this.#phrases.prompts.lockedOut);
    }
    if (guard.matches(entered, this.options.settings.pin)) {
      guard.recordSuccess(keys);
      this.#log.info({ event: 'pin-accepted' }, 'PIN accepted');
      void this.#say(this.#phrases.prompts.pinAccepted);
      return this.#connect();
    }
    this.#wrongPins += 1;
    const verdict = guard.recordFailure(keys);
    this.#log.warn({ event: 'pin-wrong', attempt: this.#wrongPins, lockedOut: verdict.locked }, 'wrong PIN');
    if (verdict.locked) {
      this.safeEmit('lockout', verdict.until);
      return void this.#leave('locked-out', this.#phrases.prompts.lockedOut);
    }
    if (this.#wrongPins >= MAX_PIN_ATTEMPTS) return void this.#leave('pin-failed', `${this.#phrases.prompts.wrongPin} ${this.#phrases.prompts.goodbye}`);
    void this.#say(this.#phrases.prompts.wrongPin);
    this.#askForPin(true);
  }

  #guardKeys(): PinGuardKeys {
    return pinGuardKeys(this.options.caller, this.options.incoming);
  }

  // --- main menu ----------------------------------------------------------------------

  #connect(): void {
    this.#transition('connected');
    this.setAudioMode(this.options.settings.audioMode);
  }

  #menuKey(key: Key): void {
    if (key === '#') return void this.#runSelected();
    this.options.port.interruptPrompts();
    if (key === '*') return void this.#say(this.#menuText());
    const digit = Number(key) as KeypadDigit;
    this.#selected = digit;
    this.safeEmit('update', this.info);
    const command = this.#available(digit);
    if (command) void this.#say(selectionPhrase(this.#phrases, digit));
    else this.#log.info({ event: 'not-acknowledged', digit }, 'command not available');
  }

  async #runSelected(): Promise<void> {
    // After the time warning, `#` with nothing selected buys another full period (as 2N intercoms do).
    if (this.#selected === null && this.#timeWarned) return this.#extend();
    const command = this.#selected === null ? undefined : this.#available(this.#selected);
    if (this.#state === 'executing' || !command) {
      void this.options.port.beep('error');
      return;
    }
    this.options.port.interruptPrompts();
    this.#selected = null;
    this.#transition('executing');
    let outcome: CommandOutcome;
    try {
      outcome = await command.run({
        callId: this.callId,
        caller: this.options.caller,
        settings: this.options.settings,
        setAudioMode: (mode) => this.setAudioMode(mode),
      });
    } catch (error) {
      this.#log.error({ event: 'command-error', digit: command.digit, err: (error as Error).message }, 'command failed');
      outcome = { ok: false, say: this.#phrases.prompts.commandFailed };
    }
    this.#log.info({ event: 'command', digit: command.digit, name: command.name, ok: outcome.ok }, 'command ran');
    this.safeEmit('command', { digit: command.digit, name: command.name, ok: outcome.ok });
    if (!this.#isIn('executing')) return;
    this.#transition('connected');
    void this.#say(outcome.say);
  }

  #available(digit: KeypadDigit): KeypadCommand | undefined {
    const command = this.options.menu.get(digit);
    return command?.available(this.options.settings) ? command : undefined;
  }

  #menuText(): string {
    const entries = [...this.options.menu.values()]
      .filter((command) => command.available(this.options.settings))
      .sort((a, b) => (a.digit || 10) - (b.digit || 10)) // 1..9, then 0 as on the keypad
      .map((command) => `${selectionPhrase(this.#phrases, command.digit)}.`);
    return [this.#phrases.menuStart, ...entries, this.#phrases.menuEnd].join(' ');
  }

  // --- time limit and ending ----------------------------------------------------------

  #startMaxCallTimers(): void {
    const { clock, settings } = this.options;
    const limitMs = settings.hangupAfterSeconds * 1000;
    this.#endsAt = clock.now() + limitMs;
    this.#timeWarned = false;
    this.#maxCallWarningTimer = clock.setTimeout(() => {
      this.#maxCallWarningTimer = undefined;
      this.#timeWarned = true;
      this.options.port.interruptPrompts();
      void this.options.port.beep('warning').then(() => this.#say(this.#phrases.prompts.timeWarning));
    }, limitMs - MAX_CALL_WARNING_MS);
    this.#maxCallTimer = clock.setTimeout(() => {
      this.#maxCallTimer = undefined;
      this.#log.info({ event: 'time-limit', limitSeconds: settings.hangupAfterSeconds }, 'max call time reached');
      this.hangup('time-limit');
    }, limitMs);
  }

  #extend(): void {
    const { clock } = this.options;
    clock.clearTimeout(this.#maxCallWarningTimer);
    clock.clearTimeout(this.#maxCallTimer);
    this.#startMaxCallTimers();
    this.#log.info({ event: 'extended', endsAt: this.#endsAt }, 'call time extended');
    this.safeEmit('update', this.info);
    this.options.port.interruptPrompts();
    void this.#say(this.#phrases.prompts.extended);
  }

  /** Says its last words (keys are ignored meanwhile), then hangs up. The max call timer still applies. */
  async #leave(outcome: CallOutcome, farewell: string): Promise<void> {
    this.#leaving = true;
    this.options.clock.clearTimeout(this.#interDigitTimer);
    this.#interDigitTimer = undefined;
    await this.#say(farewell);
    this.hangup(outcome);
  }

  #finish(outcome: CallOutcome): void {
    if (this.#state === 'ended') return;
    this.#outcome = outcome;
    for (const timer of [this.#ringTimer, this.#interDigitTimer, this.#maxCallWarningTimer, this.#maxCallTimer])
      this.options.clock.clearTimeout(timer);
    this.#ringTimer = this.#interDigitTimer = this.#maxCallWarningTimer = this.#maxCallTimer = undefined;
    this.#selected = null;
    this.#transition('ended');
    this.#log.info({ event: 'ended', outcome, seconds: (this.options.clock.now() - this.#startedAt) / 1000 }, 'call ended');
    this.safeEmit('ended', this.info, outcome);
  }

  // --- helpers ------------------------------------------------------------------------

  /** State check after an await (the compiler's narrowing does not know time passed). */
  #isIn(state: CallState): boolean {
    return this.#state === state;
  }

  #transition(next: CallState): void {
    assertTransition(this.#state, next);
    const previous = this.#state;
    this.#state = next;
    this.#log.info({ event: 'state', from: previous, to: next }, 'call state');
    this.safeEmit('update', this.info);
  }

  async #say(text: string): Promise<PromptResult> {
    if (this.#state === 'ended') return 'interrupted';
    this.#log.info({ event: 'prompt', text }, 'say');
    const caption: Caption = { callId: this.callId, text, at: this.options.clock.now() };
    this.#recentCaptions.push(caption);
    if (this.#recentCaptions.length > RECENT_CAPTIONS) this.#recentCaptions.shift();
    this.safeEmit('caption', caption);
    return this.options.port.say(text);
  }

  async #play(messageId: string): Promise<PromptResult> {
    this.#log.info({ event: 'prompt', messageId }, 'play message');
    const result = await this.options.port.playMessage(messageId);
    if (result === 'failed') this.#log.warn({ event: 'prompt-failed', messageId }, 'message could not be played');
    return result;
  }
}
