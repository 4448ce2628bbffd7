import type { VoiceOptions } from './espeak-tts.ts';

/** Something the caller hears: spoken text, a stored recording, a beep, or a pause. */
export type Prompt =
  | { readonly kind: 'speech'; readonly text: string; readonly voice?: VoiceOptions }
  /** Engine-rate audio, e.g. a stored WAV message read with `readWav`. `name` is for captions and logs. */
  | { readonly kind: 'audio'; readonly name: string; readonly samples: Int16Array }
  | { readonly kind: 'tone'; readonly frequenciesHz: readonly number[]; readonly durationMs: number; readonly levelDbfs?: number }
  | { readonly kind: 'silence'; readonly durationMs: number };

/**
 * finished: played to the end. interrupted: stopped while playing (barge-in).
 * cancelled: removed before it started, or the player closed. failed: could not be
 * rendered (e.g. speech synthesis error); the call goes on.
 */
export type PromptOutcome = 'finished' | 'interrupted' | 'cancelled' | 'failed';

/** What captions and logs show about a prompt. */
export interface PromptInfo {
  /** Increasing per player. */
  readonly id: number;
  readonly kind: Prompt['kind'];
  /** The text, the recording's name, or a description of the tone. */
  readonly label: string;
}

export function describePrompt(prompt: Prompt): string {
  switch (prompt.kind) {
    case 'speech':
      return prompt.text;
    case 'audio':
      return prompt.name;
    case 'tone':
      return `tone ${prompt.frequenciesHz.join('+')} Hz ${prompt.durationMs} ms`;
    case 'silence':
      return `pause ${prompt.durationMs} ms`;
  }
}
