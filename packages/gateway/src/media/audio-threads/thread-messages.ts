/**
 * What the main thread and an audio thread say to each other over the thread's port. Audio
 * never crosses it (RTP goes between the thread's sockets and the phones, or mediasoup);
 * prompts' samples travel in SharedArrayBuffers, and a thread sends its calls' events once
 * per 20 ms tick.
 */
import type { AudioMode } from '@camgate/protocol';
import type { CallAudioLevels } from '../../audio/call-audio.ts';
import type { DtmfKey } from '../../audio/dtmf/keys.ts';
import type { IntercomDirection, IntercomSettings } from '../../audio/intercom-gate.ts';
import type { VoiceOptions } from '../../audio/speech/espeak-tts.ts';
import type { Prompt, PromptInfo, PromptOutcome } from '../../audio/speech/prompt.ts';
import type { CallRtpEvent, PhoneRtpConfig, PhoneRtpRequest, RtpAudioConnection } from '../rtp-audio-engine.ts';

export interface AudioThreadData {
  readonly logLevel: string;
  /** Where the simulated speaker records each call. */
  readonly dataDir: string;
  /** The camera speaker's shared arbitration state (createSpeakerState). */
  readonly speakerState: SharedArrayBuffer;
  /** WAV looped as the simulated microphone. */
  readonly microphoneWav?: string;
  /** Date.now() when the microphone's loop started: every thread hears the same room at the same time. */
  readonly microphoneEpoch: number;
}

export interface ThreadCallOptions {
  readonly intercom: IntercomSettings;
  readonly voice?: VoiceOptions;
  readonly mode?: AudioMode;
  readonly inbandDtmf?: boolean;
}

export type ToAudioThread =
  | { readonly type: 'open'; readonly callId: string; readonly options: ThreadCallOptions }
  | { readonly type: 'connect'; readonly callId: string; readonly requestId: number; readonly connection: RtpAudioConnection }
  | { readonly type: 'phone-open'; readonly callId: string; readonly requestId: number; readonly request: PhoneRtpRequest }
  | { readonly type: 'phone-config'; readonly callId: string; readonly config: PhoneRtpConfig }
  | { readonly type: 'phone-confirm'; readonly callId: string }
  | { readonly type: 'phone-dtmf'; readonly callId: string; readonly key: DtmfKey }
  | { readonly type: 'disconnect'; readonly callId: string }
  | { readonly type: 'mode'; readonly callId: string; readonly mode: AudioMode }
  | { readonly type: 'intercom'; readonly callId: string; readonly settings: IntercomSettings }
  | { readonly type: 'inband-dtmf'; readonly callId: string; readonly enabled: boolean }
  | { readonly type: 'play'; readonly callId: string; readonly playId: number; readonly prompt: Prompt }
  | { readonly type: 'interrupt'; readonly callId: string }
  | { readonly type: 'close'; readonly callId: string }
  /** The answer to a 'render' request: the phrase's samples (shared memory), or why not. */
  | { readonly type: 'rendered'; readonly requestId: number; readonly samples?: Int16Array; readonly error?: string };

/** A message the thread answers with 'replied' (the pool numbers it). */
export type ThreadRequest = DistributiveOmit<Extract<ToAudioThread, { requestId: number; callId: string }>, 'requestId'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One call's event, as the engine emitted it (batched per tick). */
export type ThreadCallEvent =
  | { readonly callId: string; readonly type: 'dtmf'; readonly key: DtmfKey }
  | { readonly callId: string; readonly type: 'level'; readonly levels: CallAudioLevels }
  | { readonly callId: string; readonly type: 'intercom'; readonly direction: IntercomDirection }
  | { readonly callId: string; readonly type: 'prompt-started'; readonly info: PromptInfo }
  | { readonly callId: string; readonly type: 'prompt-ended'; readonly info: PromptInfo; readonly outcome: PromptOutcome }
  | { readonly callId: string; readonly type: 'played'; readonly playId: number; readonly outcome: PromptOutcome }
  /** What the call's RTP reports (caller activity at most once a second, RFC 4733 keys, source learnt, SSRC). */
  | { readonly callId: string; readonly type: 'rtp'; readonly event: CallRtpEvent }
  /** The engine released everything of the call (answer to 'close'). */
  | { readonly callId: string; readonly type: 'closed' };

export type FromAudioThread =
  | { readonly type: 'events'; readonly events: readonly ThreadCallEvent[] }
  /** The answer to 'connect' (the engine's loopback port) or 'phone-open'; `busy`: the phone's port pair was taken. */
  | { readonly type: 'replied'; readonly requestId: number; readonly port?: number; readonly error?: string; readonly busy?: boolean }
  /** Asks the main thread's phrase cache for a phrase (rendered once, shared by every thread). */
  | { readonly type: 'render'; readonly requestId: number; readonly text: string; readonly voice?: VoiceOptions };
