import type { AudioMode, CallOutcome, DtmfSource } from '@camgate/protocol';

/** How a prompt ended: played out, cut short by interruptPrompts(), or could not play. */
export type PromptResult = 'finished' | 'interrupted' | 'failed';

/** The telephone keys the glue reports (RFC 4733 events 0-11; A-D mean nothing to the camera). */
const KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export type Key = (typeof KEYS)[number];

export function isKey(value: string): value is Key {
  return (KEYS as readonly string[]).includes(value);
}
export type { DtmfSource };

/**
 * Everything the camera's call logic may do to a call. The glue implements it over the SIP
 * dialog and the media leg; unit tests fake it.
 *
 * Contract:
 * - The call starts in audio mode 'none': the caller hears nothing of the room before
 *   the camera says otherwise.
 * - Prompts play one after another in the order requested. `interruptPrompts()` stops the
 *   playing prompt and drops the queued ones; each of their promises resolves 'interrupted'.
 * - No method throws; a prompt that cannot play resolves 'failed'.
 * - After `hangup()` the glue ends the call (BYE) and later calls `CameraCall.ended()`.
 */
export interface CallPort {
  readonly callId: string;
  /** Sends 200 OK and resolves once the call is established (ACK); rejects if that fails. */
  answer(): Promise<void>;
  say(text: string): Promise<PromptResult>;
  playMessage(messageId: string): Promise<PromptResult>;
  /** A short tone: 'error' for a key the camera does not accept, 'warning' before the time limit. */
  beep(kind: 'error' | 'warning'): Promise<PromptResult>;
  interruptPrompts(): void;
  setAudioMode(mode: AudioMode): void;
  hangup(outcome: CallOutcome): void;
}

/** Who is calling, as the glue read it from the INVITE. All of it may be forged except `authenticatedUser`. */
export interface CallerIdentity {
  /** From URI, e.g. `sip:+4930123456@provider;user=phone`. */
  uri: string;
  /** From display name ('' when absent). Plain text, never trusted. */
  displayName: string;
  /** The user a digest challenge authenticated (softphone accounts), if any. */
  authenticatedUser?: string;
  transport: 'udp' | 'tcp' | 'ws' | 'wss';
}

/** One INVITE as the camera's policy sees it. */
export interface IncomingCall {
  /** SIP Call-ID. */
  callId: string;
  caller: CallerIdentity;
  /** User part of the Request-URI: which of the camera's numbers was dialled. */
  requestUser: string;
  /** Remote IP address of the signalling connection. */
  sourceAddress: string;
  /** The call came through the SIP provider we registered with: `sourceAddress` is its proxy. */
  throughProvider?: boolean;
}
