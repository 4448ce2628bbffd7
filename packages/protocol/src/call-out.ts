import { z } from 'zod';

/**
 * One callee of a call-out profile:
 * - a SIP address `sip:user@host[:port][;transport=tcp]`, called directly;
 * - a phone number (digits, `+`, `*`, `#`), called through the SIP provider registration;
 * - `softphone:<account>`, the browsers registered with that softphone account.
 */
export const CallOutTargetSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(
    /^(?:sips?:[^\s<>"@]+@[^\s<>"]+|\+?[0-9*#]{2,32}|softphone:[A-Za-z0-9._-]{1,64})$/,
    'a SIP address (sip:user@host), a phone number (digits, may start with +) or softphone:<account>',
  );
export type CallOutTarget = z.infer<typeof CallOutTargetSchema>;

/**
 * What starts a profile: the bell input (button, webhook), or a recorded camera event
 * (not the events call-outs record themselves: a call-out must not start another).
 */
export const CallOutTriggerSchema = z.enum(['bell', 'user-click', 'door', 'light', 'pin-lockout', 'email']);
export type CallOutTrigger = z.infer<typeof CallOutTriggerSchema>;

const clockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');

export const CallOutProfileSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lower-case letters, digits and dashes (1-32)'),
  name: z.string().trim().min(1).max(64),
  enabled: z.boolean(),
  triggers: z.array(CallOutTriggerSchema).max(10),
  targets: z.array(CallOutTargetSchema).min(1).max(10),
  /** parallel: every target rings at once (ring group); sequential: one after the other. */
  order: z.enum(['parallel', 'sequential']),
  /** How long each target rings before it is cancelled. */
  ringSeconds: z.number().int().min(5).max(120),
  /** Further rounds through the targets when nobody answered (or acknowledged). */
  repeat: z.number().int().min(0).max(5),
  /** No calls between these times (camera time zone); null = always. `from` > `to` spans midnight. */
  quietHours: z.object({ from: clockTime, to: clockTime }).nullable(),
  /** Stored audio message played when answered; null = none. */
  messageId: z.string().min(1).nullable(),
  /** Spoken (text to speech) when answered, before the message; '' = nothing. */
  speakText: z.string().max(300).regex(/^[^\r\n<>]*$/, 'one line without <>'),
  /**
   * Alarm: the callee must enter the camera's PIN (then #) within `acknowledgeSeconds`, or
   * the call ends and the next target is called. Doorbell (false): answering is enough.
   */
  acknowledge: z.boolean(),
  acknowledgeSeconds: z.number().int().min(5).max(120),
});
export type CallOutProfile = z.infer<typeof CallOutProfileSchema>;

/** The Outgoing Calls dialog (Set / Factory / Restore / Close as the Incoming Calls dialog). */
export const OutgoingCallsSettingsSchema = z
  .object({
    enabled: z.boolean(),
    profiles: z.array(CallOutProfileSchema).max(10),
    /** Secret of the bell webhook (`POST /api/cameras/:id/bell/hook?token=…`); '' = webhook off. */
    webhookToken: z.union([z.literal(''), z.string().regex(/^[A-Za-z0-9_-]{24,128}$/, '24-128 letters, digits, - or _')]),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.profiles.forEach((profile, index) => {
      if (seen.has(profile.id)) ctx.addIssue({ code: 'custom', path: ['profiles', index, 'id'], message: 'two profiles with the same id' });
      seen.add(profile.id);
    });
  });
export type OutgoingCallsSettings = z.infer<typeof OutgoingCallsSettingsSchema>;

export const FACTORY_OUTGOING_CALLS: OutgoingCallsSettings = Object.freeze({
  enabled: true,
  profiles: [
    {
      id: 'doorbell',
      name: 'Doorbell',
      enabled: false,
      triggers: ['bell'],
      targets: ['softphone:resident'],
      order: 'parallel',
      ringSeconds: 30,
      repeat: 0,
      quietHours: null,
      messageId: null,
      speakText: 'Someone is at the door. Press 1 then hash to open it.',
      acknowledge: false,
      acknowledgeSeconds: 20,
    },
  ],
  webhookToken: '',
}) as OutgoingCallsSettings;

export const OutgoingCallsViewSchema = z.object({
  running: OutgoingCallsSettingsSchema,
  stored: OutgoingCallsSettingsSchema,
  dirty: z.boolean(),
});
export type OutgoingCallsView = z.infer<typeof OutgoingCallsViewSchema>;

/** Where one target of a running call-out stands. */
export const CallOutTargetStateSchema = z.enum([
  'waiting', 'calling', 'ringing', 'answered', 'acknowledged',
  'busy', 'declined', 'no-answer', 'unreachable', 'rejected', 'cancelled', 'not-acknowledged',
]);
export type CallOutTargetState = z.infer<typeof CallOutTargetStateSchema>;

export const CallOutStatusSchema = z.object({
  id: z.string(),
  profileId: z.string(),
  profileName: z.string(),
  trigger: CallOutTriggerSchema,
  startedAt: z.number(),
  round: z.number().int(),
  targets: z.array(z.object({ target: z.string(), state: CallOutTargetStateSchema, callId: z.string().nullable() })),
  /** Set once over: who took the call (and acknowledged it, for an alarm), or null. */
  answeredBy: z.string().nullable().optional(),
  done: z.boolean(),
});
export type CallOutStatus = z.infer<typeof CallOutStatusSchema>;

/** POST /api/cameras/:id/bell (and the webhook): which profiles started. */
export const BellResultSchema = z.object({ started: z.array(CallOutStatusSchema) });
export type BellResult = z.infer<typeof BellResultSchema>;
