import { z } from 'zod';
import { CallOutStatusSchema } from './call-out.ts';
import { AudioModeSchema } from './settings.ts';
import { VideoStatusSchema } from './video.ts';

/** LED states of a call (help page: "LED Signals When in VoIP Mode"). */
export const LedStateSchema = z.enum(['idle', 'ringing', 'pin', 'connected', 'executing', 'error']);
export type LedState = z.infer<typeof LedStateSchema>;

export const OutputNameSchema = z.enum(['door', 'light']);
export type OutputName = z.infer<typeof OutputNameSchema>;

export const OutputStateSchema = z.object({
  name: OutputNameSchema,
  active: z.boolean(),
  changedAt: z.number(),
  /** When a timed "on" (pulse) switches off; null = it stays as it is (toggle, on without a time, off). */
  offAt: z.number().nullable(),
});
export type OutputState = z.infer<typeof OutputStateSchema>;

export const CameraEventKindSchema = z.enum(['user-click', 'door', 'light', 'call', 'pin-lockout', 'email', 'bell', 'alarm-unanswered']);
export type CameraEventKind = z.infer<typeof CameraEventKindSchema>;

export const CameraEventSchema = z.object({
  id: z.number().int(),
  kind: CameraEventKindSchema,
  at: z.number(),
  detail: z.string(),
  hasImage: z.boolean(),
});
export type CameraEvent = z.infer<typeof CameraEventSchema>;

/** Where a DTMF key came from. */
export const DtmfSourceSchema = z.enum(['rfc4733', 'sip-info', 'inband']);
export type DtmfSource = z.infer<typeof DtmfSourceSchema>;

export const CallPhaseSchema = z.enum(['ringing', 'welcome', 'pin', 'connected', 'ended']);
export type CallPhase = z.infer<typeof CallPhaseSchema>;

export const CallInfoSchema = z.object({
  /** SIP Call-ID of the call (the softphone knows it; unguessable). */
  callId: z.string(),
  /** Caller as presented (number or SIP address). Plain text, never HTML. */
  caller: z.string(),
  transport: z.enum(['udp', 'tcp', 'ws', 'wss']),
  phase: CallPhaseSchema,
  audioMode: AudioModeSchema,
  startedAt: z.number(),
  /** Epoch ms at which the camera hangs up (max call time). */
  endsAt: z.number().nullable(),
  led: LedStateSchema,
  selectedCommand: z.number().int().min(0).max(9).nullable(),
  /** The gateway node that answered the call (several gateways sharing state through Redis). */
  node: z.string().optional(),
});
export type CallInfo = z.infer<typeof CallInfoSchema>;

export const CallOutcomeSchema = z.enum([
  'rejected', 'busy', 'disabled', 'locked-out', 'cancelled', 'pin-failed', 'completed', 'time-limit', 'media-timeout', 'error',
  /** The gateway stopped (crash, kill -9) while the call ran; closed at the next start. */
  'gateway-restarted',
  /** Call-outs that were not taken: the target did not answer, was busy, declined, could not be reached, or did not acknowledge (PIN). */
  'no-answer', 'declined', 'unreachable', 'not-acknowledged',
]);
export type CallOutcome = z.infer<typeof CallOutcomeSchema>;

export const CallLogEntrySchema = z.object({
  id: z.number().int(),
  callId: z.string(),
  caller: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  outcome: CallOutcomeSchema.nullable(),
  commands: z.array(z.string()),
});
export type CallLogEntry = z.infer<typeof CallLogEntrySchema>;

export const LastCallerSchema = z.object({ caller: z.string(), at: z.number(), answered: z.boolean() }).nullable();
export type LastCaller = z.infer<typeof LastCallerSchema>;

export const RegistrationStateSchema = z.object({
  state: z.enum(['disabled', 'registering', 'registered', 'failed']),
  aor: z.string().nullable(),
  detail: z.string(),
});
export type RegistrationState = z.infer<typeof RegistrationStateSchema>;

/** The shared live state (Redis) of several gateways: `off` on a single gateway. */
export const SharedStateHealthSchema = z.enum(['off', 'ok', 'unreachable']);
export type SharedStateHealth = z.infer<typeof SharedStateHealthSchema>;

export const CameraStatusSchema = z.object({
  /** The camera's id (`/api/cameras/:id`). */
  id: z.string(),
  name: z.string(),
  sipAddress: z.string(),
  led: LedStateSchema,
  calls: z.array(CallInfoSchema),
  outputs: z.array(OutputStateSchema),
  internet: z.enum(['online', 'offline', 'unknown']),
  lastEventAt: z.number().nullable(),
  registration: RegistrationStateSchema,
  media: z.object({ mediasoupVersion: z.string(), workerPids: z.array(z.number()) }),
  video: VideoStatusSchema,
  warnings: z.array(z.string()),
  settingsDirty: z.boolean(),
  /** Call-outs running (which targets ring) and the last few finished. */
  callOuts: z.array(CallOutStatusSchema).optional(),
  /** This node, and whether the state shared with other gateways (Redis) is reachable: `off` without --redis. */
  cluster: z.object({ node: z.string(), sharedState: SharedStateHealthSchema }).optional(),
});
export type CameraStatus = z.infer<typeof CameraStatusSchema>;

export const AudioMessageSchema = z.object({
  id: z.string(),
  name: z.string(),
  durationMs: z.number(),
  builtin: z.boolean(),
  createdAt: z.number(),
});
export type AudioMessage = z.infer<typeof AudioMessageSchema>;

/** Keypad main menu (help page "Keypad Commands of the Main Menu"), keyed by digit. */
export const KEYPAD_COMMANDS = {
  1: 'door opener',
  2: null,
  3: 'light',
  4: 'date and time',
  5: 'email event image',
  6: 'user click',
  7: 'listen',
  8: 'speak',
  9: 'intercom',
  0: 'camera information',
} as const satisfies Record<number, string | null>;
export type KeypadDigit = keyof typeof KEYPAD_COMMANDS;
