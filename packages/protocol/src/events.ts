import { z } from 'zod';
import { AudioModeSchema, type AudioMode } from './settings.ts';
import { CameraIdSchema } from './cameras.ts';
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
  /** A watched camera's full status (`status.id` names it). */
  status: (status: CameraStatus) => void;
  // Every other camera event names its camera first: a page may watch several.
  led: (cameraId: string, led: LedState) => void;
  'call:update': (cameraId: string, call: CallInfo) => void;
  'call:ended': (cameraId: string, call: CallInfo) => void;
  caption: (cameraId: string, caption: Caption) => void;
  output: (cameraId: string, output: OutputState) => void;
  event: (cameraId: string, event: CameraEvent) => void;
  'last-caller': (cameraId: string, last: LastCaller) => void;
  /** Admins: a camera was added, renamed or removed (re-read GET /api/cameras). */
  cameras: () => void;
}

export type Ack = (result: { ok: true } | { ok: false; error: string }) => void;

/** socket.io events the browser sends. */
export interface ClientToServerEvents extends VideoClientToServerEvents {
  /** Admins: receive this camera's status and events (its socket.io room) until unwatched. */
  'camera:watch': (cameraId: string, ack: Ack) => void;
  'camera:unwatch': (cameraId: string, ack: Ack) => void;
  /** Follow one call (by SIP Call-ID): captions and updates of that call reach this socket. */
  'call:watch': (callId: string, ack: Ack) => void;
  /** Switch the audio mode of a connected call (the softphone's toggles). */
  'call:audio-mode': (request: { callId: string; mode: AudioMode }, ack: Ack) => void;
}

/** A SIP Call-ID as a socket.io event names it. */
export const LiveCallIdSchema = z.string().min(1).max(256);
/** Payloads of the browser's socket.io events, checked by the gateway before use. */
export const LiveEventSchemas = {
  'camera:watch': CameraIdSchema,
  'camera:unwatch': CameraIdSchema,
  'call:watch': LiveCallIdSchema,
  'call:audio-mode': z.object({ callId: LiveCallIdSchema, mode: AudioModeSchema }),
} as const;
