import type { AudioMode } from '@camgate/protocol';

import { InvalidStateError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { TypedEmitter } from '../core/typed-emitter.ts';
import { ComfortNoise } from './comfort-noise.ts';
import type { CallAudioPort } from './contracts.ts';
import { FRAME_SAMPLES } from './contracts.ts';
import type { Microphone } from './device/microphone.ts';
import type { Speaker, SpeakerChannel } from './device/speaker.ts';
import { GoertzelDtmfDetector } from './dtmf/goertzel-detector.ts';
import type { DtmfKey } from './dtmf/keys.ts';
import { type IntercomDirection, IntercomGate, type IntercomSettings } from './intercom-gate.ts';
import { LevelMeter, rmsPercent } from './level.ts';
import type { VoiceOptions } from './speech/espeak-tts.ts';
import type { PhraseCache } from './speech/phrase-cache.ts';
import type { Prompt, PromptInfo, PromptOutcome } from './speech/prompt.ts';
import { PromptPlayer } from './speech/prompt-player.ts';
import { clampToInt16 } from './synth.ts';

/** Levels reported ~5 times a second (every 10 caller frames). */
const LEVEL_REPORT_FRAMES = 10;
/** Microphone gain under a prompt (-20 dB): prompts must stay intelligible over the room. */
const DUCKED_MIC_GAIN = 0.1;
/** What the level meter hears from a closed microphone; shared, never written. */
const SILENT_FRAME = new Int16Array(FRAME_SAMPLES);

export interface CallAudioLevels {
  /** What the caller sends, percent of full scale RMS. */
  readonly callerPercent: number;
  /** Room sound the caller hears (0 while the microphone is off or muted). */
  readonly microphonePercent: number;
}

export type CallAudioEvents = {
  /** A key recognised in the caller's audio (in-band DTMF), once per key press. */
  dtmf: [key: DtmfKey, source: 'inband'];
  level: [levels: CallAudioLevels];
  /** Intercom half-duplex switched direction. */
  intercom: [direction: IntercomDirection];
  mode: [mode: AudioMode];
  'prompt-started': [info: PromptInfo];
  'prompt-ended': [info: PromptInfo, outcome: PromptOutcome];
  /** The engine stopped for good under the call (its audio thread died): the call cannot go on. */
  failed: [reason: string];
};

/**
 * What the call glue does with a call's audio engine, wherever it runs: CallAudio in this
 * thread, or ThreadedCallAudio, its proxy for an engine in an audio thread.
 */
export interface CallAudioControl {
  readonly callId: string;
  readonly mode: AudioMode;
  /** Whether a prompt is playing or queued. */
  readonly promptActive: boolean;
  setMode(mode: AudioMode): void;
  setIntercom(settings: IntercomSettings): void;
  setInbandDtmf(enabled: boolean): void;
  /** Queues a prompt for the caller. */
  play(prompt: Prompt): Promise<PromptOutcome>;
  /** Barge-in: stops the playing prompt and clears the queue. */
  interrupt(): void;
  /** Cancels prompts and releases the speaker; idempotent. */
  close(): Promise<void>;
  on<K extends keyof CallAudioEvents>(event: K, listener: (...args: CallAudioEvents[K]) => void): this;
  off<K extends keyof CallAudioEvents>(event: K, listener: (...args: CallAudioEvents[K]) => void): this;
}

export interface CallAudioOptions {
  readonly callId: string;
  readonly microphone: Microphone;
  readonly speaker: Speaker;
  readonly phrases: PhraseCache;
  /** Voice of the call's spoken prompts (its language); default espeak's English. */
  readonly voice?: VoiceOptions;
  readonly intercom: IntercomSettings;
  /** Audio mode at the start; 'none' until the camera logic switches (after the welcome). */
  readonly mode?: AudioMode;
  /** Detect DTMF in the caller's audio. Turn off when the peer sends RFC 4733 events, or keys count twice. */
  readonly inbandDtmf?: boolean;
  readonly logger?: Logger;
}

/**
 * The camera's side of one call (help page "Audio Mode"). Caller audio in: in-band DTMF,
 * level metering, and the speaker (Speak, or Intercom while the caller talks). Audio out:
 * prompts mixed with the room microphone (Listen, or Intercom while the caller is quiet),
 * the microphone ducked under prompts. Frame-driven: the media layer pushes and pulls one
 * 20 ms frame at a time, and all timing (level reports, intercom cycle time) counts frames.
 */
export class CallAudio extends TypedEmitter<CallAudioEvents> implements CallAudioPort, CallAudioControl {
  readonly callId: string;
  readonly #microphone: Microphone;
  readonly #speaker: Speaker;
  readonly #logger: Logger | undefined;
  readonly #prompts: PromptPlayer;
  readonly #detector = new GoertzelDtmfDetector();
  readonly #gate: IntercomGate;
  readonly #callerLevel = new LevelMeter();
  readonly #microphoneLevel = new LevelMeter();
  readonly #comfortNoise = new ComfortNoise();
  #mode: AudioMode;
  #inbandDtmf: boolean;
  #speakerChannel: SpeakerChannel | undefined;
  #framesSinceReport = 0;
  #micGain = 1;
  #closing: Promise<void> | undefined;

  constructor(options: CallAudioOptions) {
    super();
    this.callId = options.callId;
    this.#microphone = options.microphone;
    this.#speaker = options.speaker;
    this.#logger = options.logger?.child({ callId: options.callId });
    this.#mode = options.mode ?? 'none';
    this.#inbandDtmf = options.inbandDtmf ?? true;
    this.#gate = new IntercomGate(options.intercom);
    this.#prompts = new PromptPlayer(options.phrases, this.#logger, options.voice);
    this.#prompts.on('started', (info) => this.safeEmit('prompt-started', info));
    this.#prompts.on('ended', (info, outcome) => this.safeEmit('prompt-ended', info, outcome));
  }

  get mode(): AudioMode {
    return this.#mode;
  }

  /** Whether a prompt is playing or queued. */
  get promptActive(): boolean {
    return this.#prompts.active;
  }

  setMode(mode: AudioMode): void {
    this.#assertOpen();
    if (mode === this.#mode) return;
    this.#logger?.info({ from: this.#mode, to: mode }, 'audio mode');
    this.#mode = mode;
    if (mode === 'intercom') this.#gate.reset();
    this.safeEmit('mode', mode);
  }

  setIntercom(settings: IntercomSettings): void {
    this.#gate.configure(settings);
  }

  setInbandDtmf(enabled: boolean): void {
    this.#inbandDtmf = enabled;
  }

  /** Queues a prompt for the caller. */
  play(prompt: Prompt): Promise<PromptOutcome> {
    this.#assertOpen();
    return this.#prompts.play(prompt);
  }

  /** Barge-in: stops the playing prompt and clears the queue. */
  interrupt(): void {
    this.#prompts.interrupt();
  }

  pushCallerFrame(frame: Int16Array): void {
    if (this.#closing) return;
    if (this.#inbandDtmf) {
      for (const key of this.#detector.process(frame)) {
        this.#logger?.debug({ source: 'inband' }, 'dtmf key'); // the key itself may be part of a PIN
        this.safeEmit('dtmf', key, 'inband');
      }
    }
    this.#callerLevel.add(frame);
    this.#routeToSpeaker(frame);
    if (++this.#framesSinceReport >= LEVEL_REPORT_FRAMES) {
      this.#framesSinceReport = 0;
      this.safeEmit('level', {
        callerPercent: this.#callerLevel.takePercent(),
        microphonePercent: this.#microphoneLevel.takePercent(),
      });
    }
  }

  pullFrame(): Int16Array {
    const out = new Int16Array(FRAME_SAMPLES);
    if (this.#closing) return out;
    const prompt = this.#prompts.nextFrame();
    if (prompt) out.set(prompt.subarray(0, FRAME_SAMPLES));
    if (this.#microphoneOpen()) {
      const room = this.#microphone.read();
      const target = prompt ? DUCKED_MIC_GAIN : 1;
      // Ramp the gain across the frame: a gain step would click.
      const step = (target - this.#micGain) / FRAME_SAMPLES;
      const heard = new Int16Array(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        heard[i] = clampToInt16((room[i] ?? 0) * (this.#micGain + step * (i + 1)));
        out[i] = clampToInt16(out[i]! + heard[i]!);
      }
      this.#micGain = target;
      this.#microphoneLevel.add(heard);
    } else {
      this.#micGain = 0; // fade in when the microphone opens again
      this.#microphoneLevel.add(SILENT_FRAME);
      // Without the room the caller would hear digital silence and think the line dropped.
      this.#comfortNoise.addTo(out);
    }
    return out;
  }

  /** Cancels prompts and releases the speaker; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#prompts.close();
      const channel = this.#speakerChannel;
      this.#speakerChannel = undefined;
      await channel?.close();
      this.#logger?.debug('call audio closed');
    })();
    return this.#closing;
  }

  #microphoneOpen(): boolean {
    return this.#mode === 'listen' || (this.#mode === 'intercom' && this.#gate.direction === 'room-to-caller');
  }

  #routeToSpeaker(frame: Int16Array): void {
    let toSpeaker = this.#mode === 'speak';
    if (this.#mode === 'intercom') {
      const before = this.#gate.direction;
      const direction = this.#gate.update(rmsPercent(frame));
      if (direction !== before) this.safeEmit('intercom', direction);
      toSpeaker = direction === 'caller-to-room';
    }
    if (!toSpeaker) return;
    this.#speakerChannel ??= this.#speaker.open(this.callId);
    this.#speakerChannel.play(frame);
  }

  #assertOpen(): void {
    if (this.#closing) throw new InvalidStateError(`call audio of ${this.callId} is closed`);
  }
}
