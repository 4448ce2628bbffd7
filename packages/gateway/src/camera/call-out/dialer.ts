import type { CameraCall } from '../camera-call.ts';

/** Why a target did not take the call. */
export type DialFailure = 'busy' | 'declined' | 'unreachable' | 'rejected' | 'cancelled';

export type DialResult = { answered: true; call: CameraCall } | { answered: false; failure: DialFailure; status: number };

/** One call to one target, as the call-out logic drives it. */
export interface DialAttempt {
  /** SIP Call-ID (for the call log); null when the target could not even be called. */
  readonly callId: string | null;
  /** Resolves once: answered (the camera's call logic runs it) or why not. */
  readonly result: Promise<DialResult>;
  /** Stops it ringing (CANCEL); the result then resolves 'cancelled'. */
  cancel(): void;
}

export interface DialRequest {
  target: string;
  /** What the callee hears on answering, and whether the PIN is asked for. */
  messageId: string | null;
  speakText: string;
  requirePin: boolean;
  /** The call log marks the call with this (e.g. "call-out Doorbell"). */
  label: string;
  onRinging(): void;
}

/**
 * Places calls for the camera's call-out profiles. The glue implements it over the SIP stack,
 * media and the camera's call logic; the call-out logic never sees SIP.
 */
export interface CallOutDialer {
  dial(request: DialRequest): DialAttempt;
}
