import type { AudioMode } from '@camgate/protocol';
import type { CallAudioControl, CallAudioEvents } from '../../audio/call-audio.ts';
import type { DtmfKey } from '../../audio/dtmf/keys.ts';
import type { IntercomSettings } from '../../audio/intercom-gate.ts';
import type { Prompt, PromptOutcome } from '../../audio/speech/prompt.ts';
import { InvalidStateError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import type { CallRtpListener, PhoneRtpConfig, PhoneRtpRequest, RtpAudioConnection, RtpAudioEngine } from '../rtp-audio-engine.ts';
import { sharePrompt } from './shared-samples.ts';
import type { ThreadCallEvent, ThreadCallOptions, ThreadRequest, ToAudioThread } from './thread-messages.ts';

/** How a call's proxy reaches the audio thread its engine runs in. */
export interface AudioThreadChannel {
  post(message: ToAudioThread): void;
  /** Asks the thread to do something that answers (open a call's RTP); resolves with a port when it gives one. */
  request(message: ThreadRequest): Promise<number | undefined>;
}

/**
 * The main thread's side of a call whose audio engine (CallAudio) runs in an audio thread:
 * the same API as CallAudio for the call glue, as messages to the thread; the media layer
 * has the thread do the call's RTP itself (RtpAudioEngine: with the phone, or with
 * mediasoup for WebRTC legs) and gets its RTP events. The thread's events come
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
  #rtpListener: CallRtpListener | undefined;
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

  async connectRtp(connection: RtpAudioConnection, listener: CallRtpListener): Promise<number> {
    this.#assertLinkable();
    this.#rtpListener = listener;
    const port = await this.#channel.request({ type: 'connect', callId: this.callId, connection });
    if (port === undefined) throw new InvalidStateError(`audio thread of ${this.callId} gave no RTP port`);
    return port;
  }

  async openPhone(request: PhoneRtpRequest, listener: CallRtpListener): Promise<void> {
    this.#assertLinkable();
    this.#rtpListener = listener;
    await this.#channel.request({ type: 'phone-open', callId: this.callId, request });
  }

  configurePhone(config: PhoneRtpConfig): void {
    this.#post({ type: 'phone-config', callId: this.callId, config });
  }

  confirmPhone(): void {
    this.#post({ type: 'phone-confirm', callId: this.callId });
  }

  sendPhoneDtmf(key: DtmfKey): void {
    this.#post({ type: 'phone-dtmf', callId: this.callId, key });
  }

  disconnectRtp(): void {
    this.#rtpListener = undefined;
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
      case 'rtp':
        this.#rtpListener?.(event.event);
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
    this.#rtpListener = undefined;
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

  #assertLinkable(): void {
    if (this.#closing || this.#failed) throw new InvalidStateError(`call audio of ${this.callId} is closed`);
  }

  #assertOpen(): void {
    if (this.#closing) throw new InvalidStateError(`call audio of ${this.callId} is closed`);
  }
}
