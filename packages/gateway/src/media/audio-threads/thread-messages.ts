/**
 * What the main thread and an audio thread say to each other over the thread's port. Audio
 * never crosses it (RTP goes between mediasoup and the thread's sockets); prompts' samples
 * travel in SharedArrayBuffers, and a thread sends its calls' events once per 20 ms tick.
 */
import type { AudioMode } from '@camgate/protocol';
import type { CallAudioLevels } from '../../audio/call-audio.ts';
import type { RtpAudioConnection } from '../../audio/contracts.ts';
import type { DtmfKey } from '../../audio/dtmf/keys.ts';
import type { IntercomDirection, IntercomSettings } from '../../audio/intercom-gate.ts';
import type { VoiceOptions } from '../../audio/speech/espeak-tts.ts';
import type { Prompt, PromptInfo, PromptOutcome } from '../../audio/speech/prompt.ts';

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
  | { readonly type: 'disconnect'; readonly callId: string }
  | { readonly type: 'mode'; readonly callId: string; readonly mode: AudioMode }
  | { readonly type: 'intercom'; readonly callId: string; readonly settings: IntercomSettings }
  | { readonly type: 'inband-dtmf'; readonly callId: string; readonly enabled: boolean }
  | { readonly type: 'play'; readonly callId: string; readonly playId: number; readonly prompt: Prompt }
  | { readonly type: 'interrupt'; readonly callId: string }
  | { readonly type: 'close'; readonly callId: string }
  /** The answer to a 'render' request: the phrase's samples (shared memory), or why not. */
  | { readonly type: 'rendered'; readonly requestId: number; readonly samples?: Int16Array; readonly error?: string };

/** One call's event, as the engine emitted it (batched per tick). */
export type ThreadCallEvent =
  | { readonly callId: string; readonly type: 'dtmf'; readonly key: DtmfKey }
  | { readonly callId: string; readonly type: 'level'; readonly levels: CallAudioLevels }
  | { readonly callId: string; readonly type: 'intercom'; readonly direction: IntercomDirection }
  | { readonly callId: string; readonly type: 'prompt-started'; readonly info: PromptInfo }
  | { readonly callId: string; readonly type: 'prompt-ended'; readonly info: PromptInfo; readonly outcome: PromptOutcome }
  | { readonly callId: string; readonly type: 'played'; readonly playId: number; readonly outcome: PromptOutcome }
  /** Caller audio arrived (at most once a second per call: it only feeds the RTP timeout). */
  | { readonly callId: string; readonly type: 'caller-audio' }
  /** The engine released everything of the call (answer to 'close'). */
  | { readonly callId: string; readonly type: 'closed' };

export type FromAudioThread =
  | { readonly type: 'events'; readonly events: readonly ThreadCallEvent[] }
  | { readonly type: 'connected'; readonly requestId: number; readonly port?: number; readonly error?: string }
  /** Asks the main thread's phrase cache for a phrase (rendered once, shared by every thread). */
  | { readonly type: 'render'; readonly requestId: number; readonly text: string; readonly voice?: VoiceOptions };
