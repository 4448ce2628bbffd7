import type { AudioMode, CallOutcome } from '@camgate/protocol';
import type { CallPort, PromptResult } from '../../../src/camera/call-port.ts';

interface Prompt {
  kind: 'say' | 'message' | 'beep';
  what: string;
  resolve: (result: PromptResult) => void;
}

/**
 * A CallPort that records what the camera does to the call. Spoken prompts finish at once
 * unless `holdPrompts` is set; messages (the welcome) play until finished or interrupted,
 * so a test can barge in.
 */
export class FakeCallPort implements CallPort {
  readonly said: string[] = [];
  readonly played: string[] = [];
  readonly beeps: string[] = [];
  readonly modes: AudioMode[] = [];
  hungUp: CallOutcome | null = null;
  answered = false;
  interruptions = 0;
  holdPrompts = false;
  readonly #playing: Prompt[] = [];

  constructor(readonly callId: string) {}

  async answer(): Promise<void> {
    this.answered = true;
  }

  say(text: string): Promise<PromptResult> {
    this.said.push(text);
    return this.#prompt('say', text, !this.holdPrompts);
  }

  playMessage(messageId: string): Promise<PromptResult> {
    this.played.push(messageId);
    return this.#prompt('message', messageId, false);
  }

  beep(kind: 'error' | 'warning'): Promise<PromptResult> {
    this.beeps.push(kind);
    return this.#prompt('beep', kind, true);
  }

  interruptPrompts(): void {
    this.interruptions += 1;
    for (const prompt of this.#playing.splice(0)) prompt.resolve('interrupted');
  }

  /** The playing prompts (welcome message, held speech) end normally. */
  finishPrompts(): void {
    for (const prompt of this.#playing.splice(0)) prompt.resolve('finished');
  }

  setAudioMode(mode: AudioMode): void {
    this.modes.push(mode);
  }

  hangup(outcome: CallOutcome): void {
    this.hungUp = outcome;
  }

  get lastSaid(): string | undefined {
    return this.said.at(-1);
  }

  #prompt(kind: Prompt['kind'], what: string, finishNow: boolean): Promise<PromptResult> {
    if (finishNow) return Promise.resolve('finished');
    return new Promise((resolve) => this.#playing.push({ kind, what, resolve }));
  }
}
