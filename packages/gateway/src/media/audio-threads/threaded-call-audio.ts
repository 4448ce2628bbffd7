import type { AudioMode } from '@camgate/protocol';
import type { CallAudioControl, CallAudioEvents } from '../../audio/call-audio.ts';
import type { RtpAudioConnection, RtpAudioEngine } from '../../audio/contracts.ts';
import type { IntercomSettings } from '../../audio/intercom-gate.ts';
import type { Prompt, PromptOutcome } from '../../audio/speech/prompt.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { sharePrompt } from './shared-samples.ts';
import type { ThreadCallEvent, ThreadCallOptions, ToAudioThread } from './thread-messages.ts';

/** How a call's proxy reaches the audio thread its engine runs in. */
export interface AudioThreadChannel {
  post(message: ToAudioThread): void;
  /** Asks the thread to open the call's RTP socket; resolves with its port. */
  connect(callId: string, connection: RtpAudioConnection): Promise<number>;
}

/**
 * The main thread's side of a call whose audio engine (CallAudio) runs in an audio thread:
 * the same API as CallAudio for the call glue, as messages to the thread; the media layer
 * connects the call's RTP to the thread directly (RtpAudioEngine). The thread's events come
 * back batched per 20 ms tick (`deliver`). When the thread dies, the call's audio is gone:
 * pending prompts end as cancelled and `failed` tells the glue to hang up.
 */
export class ThreadedCallAudio extends TypedEmitter<CallAudioEvents> implements CallAudioControl, RtpAudioEngine {
  readonly callId: string;
  readonly #channel: AudioThreadChannel;
  readonly #logger: Logger | undefined;
  readonly #plays = new Map<number, (outcome: PromptOutcome) => void>();
  #nextPlay = 1;
  #mode: AudioMode;
  #onCallerAudio: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #closed: (() => void) | undefined;
  #failed = false;

  constructor(callId: string, channel: AudioThreadChannel, options: ThreadCallOptions, logger?: Logger) {
    super();
    this.callId = callId;
    this.#channel = channel;
    this.#logger = logger?.child({ callId });
    this.#mode = options.mode ?? 'none';
    channel.post({ type: 'open', callId, options });
  }

  get mode(): AudioMode {
    return this.#mode;
  }

  get promptActive(): boolean {
    return this.#plays.size > 0;
  }

  setMode(mode: AudioMode): void {
    this.#assertOpen();
    if (mode === this.#mode) return;
    this.#logger?.info({ from: this.#mode, to: mode }, 'audio mode');
    this.#mode = mode;
    this.#post({ type: 'mode', callId: this.callId, mode });
    this.safeEmit('mode', mode);
  }

  setIntercom(settings: IntercomSettings): void {
    this.#post({ type: 'intercom', callId: this.callId, settings });
  }

  setInbandDtmf(enabled: boolean): void {
    this.#post({ type: 'inband-dtmf', callId: this.callId, enabled });
  }

  play(prompt: Prompt): Promise<PromptOutcome> {
    this.#assertOpen();
    if (this.#failed) return Promise.resolve('cancelled');
    const playId = this.#nextPlay++;
    return new Promise((resolve) => {
      this.#plays.set(playId, resolve);
      this.#post({ type: 'play', callId: this.callId, playId, prompt: sharePrompt(prompt) });
    });
  }

  interrupt(): void {
    this.#post({ type: 'interrupt', callId: this.callId });
  }

  connectRtp(connection: RtpAudioConnection, onCallerAudio: () => void): Promise<number> {
    if (this.#closing || this.#failed) return Promise.reject(new InvalidStateError(`call audio of ${this.callId} is closed`));
    this.#onCallerAudio = onCallerAudio;
    return this.#channel.connect(this.callId, connection);
  }

  disconnectRtp(): void {
    this.#onCallerAudio = undefined;
    this.#post({ type: 'disconnect', callId: this.callId });
  }

  /** Cancels prompts and releases the speaker (in the thread); resolves once the thread let go of the call. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#closed = resolve;
      if (this.#failed) this.#finish();
      else this.#channel.post({ type: 'close', callId: this.callId });
    });
    return this.#closing;
  }

  /** An event of the call from its thread (AudioThreadPool). */
  deliver(event: ThreadCallEvent): void {
    switch (event.type) {
      case 'dtmf':
        this.#logger?.debug({ source: 'inband' }, 'dtmf key'); // the key itself may be part of a PIN
        this.safeEmit('dtmf', event.key, 'inband');
        return;
      case 'level':
        this.safeEmit('level', event.levels);
        return;
      case 'intercom':
        this.safeEmit('intercom', event.direction);
        return;
      case 'prompt-started':
        this.safeEmit('prompt-started', event.info);
        return;
      case 'prompt-ended':
        this.safeEmit('prompt-ended', event.info, event.outcome);
        return;
      case 'played':
        this.#settle(event.playId, event.outcome);
        return;
      case 'caller-audio':
        this.#onCallerAudio?.();
        return;
      case 'closed':
        this.#finish();
        return;
    }
  }

  /** The call's audio thread died (AudioThreadPool): nothing of the call's audio is left. */
  threadDied(reason: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#onCallerAudio = undefined;
    if (this.#closing) {
      this.#finish();
      return;
    }
    this.#logger?.error({ reason }, 'audio thread of the call died');
    for (const playId of [...this.#plays.keys()]) this.#settle(playId, 'cancelled');
    this.safeEmit('failed', reason);
  }

  #finish(): void {
    for (const playId of [...this.#plays.keys()]) this.#settle(playId, 'cancelled');
    this.#closed?.();
    this.#closed = undefined;
    this.removeAllListeners();
  }

  #settle(playId: number, outcome: PromptOutcome): void {
    const resolve = this.#plays.get(playId);
    this.#plays.delete(playId);
    resolve?.(outcome);
  }

  #post(message: ToAudioThread): void {
    if (!this.#closing && !this.#failed) this.#channel.post(message);
  }

  #assertOpen(): void {
    if (this.#closing) throw new InvalidStateError(`call audio of ${this.callId} is closed`);
  }
}
