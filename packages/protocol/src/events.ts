import { z } from 'zod';
import { AudioModeSchema, type AudioMode } from './settings.ts';
import type { CallInfo, CameraEvent, CameraStatus, LastCaller, LedState, OutputState } from './camera.ts';
import type { VideoClientToServerEvents, VideoServerToClientEvents } from './video.ts';

/** A line the camera spoke, shown as a caption in the softphone. */
export interface Caption {
  callId: string;
  text: string;
  at: number;
}

/** socket.io events the gateway sends. */
export interface ServerToClientEvents extends VideoServerToClientEvents {
  status: (status: CameraStatus) => void;
  led: (led: LedState) => void;
  'call:update': (call: CallInfo) => void;
  'call:ended': (call: CallInfo) => void;
  caption: (caption: Caption) => void;
  output: (output: OutputState) => void;
  event: (event: CameraEvent) => void;
  'last-caller': (last: LastCaller) => void;
}

export type Ack = (result: { ok: true } | { ok: false; error: string }) => void;

/** socket.io events the browser sends. */
export interface ClientToServerEvents extends VideoClientToServerEvents {
  /** Follow one call (by SIP Call-ID): captions and updates of that call reach this socket. */
  'call:watch': (callId: string, ack: Ack) => void;
  /** Switch the audio mode of a connected call (the softphone's toggles). */
  'call:audio-mode': (request: { callId: string; mode: AudioMode }, ack: Ack) => void;
}

/** A SIP Call-ID as a socket.io event names it. */
export const LiveCallIdSchema = z.string().min(1).max(256);
/** Payloads of the browser's socket.io events, checked by the gateway before use. */
export const LiveEventSchemas = {
  'call:watch': LiveCallIdSchema,
  'call:audio-mode': z.object({ callId: LiveCallIdSchema, mode: AudioModeSchema }),
} as const;
