import { z } from 'zod';

/** Audio modes of the help page: what the caller hears and what reaches the camera speaker. */
export const AudioModeSchema = z.enum(['none', 'listen', 'speak', 'intercom']);
export type AudioMode = z.infer<typeof AudioModeSchema>;

/** Output modes that keep the output in its new state until the next action: they have no duration. */
export const UNTIMED_ACTION_MODES: readonly string[] = ['toggle', 'off'];

/** What an action profile does to its output when a command runs. */
export const ActionProfileSchema = z
  .object({
    /** pulse: on for `durationSeconds`, then off. on: on, and off again after `durationSeconds` unless null. toggle: flip. off: off. */
    mode: z.enum(['pulse', 'toggle', 'on', 'off']),
    /** Seconds the output stays on; null = no time limit. Toggle and off never have one. */
    durationSeconds: z.number().min(0.1).max(600).nullable(),
    /** Optional HTTP(S) URL called (GET) when the action runs: real relays, home automation. */
    httpUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
  })
  // A toggle or off has no duration (settings stored before this rule had one): dropped, not refused.
  .transform((profile) => (UNTIMED_ACTION_MODES.includes(profile.mode) ? { ...profile, durationSeconds: null } : profile))
  .refine((profile) => profile.mode !== 'pulse' || profile.durationSeconds !== null, {
    path: ['durationSeconds'],
    message: 'a pulse needs a duration',
  });
export type ActionProfile = z.infer<typeof ActionProfileSchema>;

const pinSchema = z
  .string()
  .regex(/^(\d{4,12})?$/, 'PIN must be empty or 4 to 12 digits');

/** One entry of the accepted list or the MSN list: a phone number or a SIP address. */
const callerEntrySchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .regex(/^[^\r\n<>"]+$/, 'one phone number or SIP address per line, without <>"');

/** Languages the camera speaks (espeak-ng voices bundled with its WASM build). */
export const SPOKEN_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl'] as const;
export const SpokenLanguageSchema = z.enum(SPOKEN_LANGUAGES);
export type SpokenLanguage = z.infer<typeof SpokenLanguageSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Where the camera is: how local phone numbers are written, its clock, its language. */
export const LocaleSettingsSchema = z.object({
  /** Country calling code without `+` (49 for Germany); '' = national numbers match only themselves. */
  countryCode: z.string().regex(/^([1-9]\d{0,2})?$/, 'country code: 1 to 3 digits without + (49 for Germany), or empty'),
  /** Trunk prefix of national numbers (0 in most of Europe, 1 in North America, '' in Italy). */
  trunkPrefix: z.string().regex(/^\d{0,2}$/, 'trunk prefix: up to 2 digits (usually 0), or empty'),
  /** IANA time zone of spoken times, email bodies and the UI (Europe/Berlin). */
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'not a known IANA time zone (e.g. Europe/Berlin)'),
  /** Language of every spoken prompt. */
  language: SpokenLanguageSchema,
});
export type LocaleSettings = z.infer<typeof LocaleSettingsSchema>;

/** A call while another one runs: refused (486 Busy Here), made to wait (ringing), or let in. */
export const BusyPolicySchema = z.enum(['reject', 'queue', 'allow']);
export type BusyPolicy = z.infer<typeof BusyPolicySchema>;

export const FACTORY_LOCALE: LocaleSettings = Object.freeze({ countryCode: '', trunkPrefix: '0', timeZone: 'UTC', language: 'en' });
const FACTORY_BUSY = Object.freeze({ policy: 'allow', queueSeconds: 25 } as const);

/**
 * The Incoming Calls dialog. This schema is the single source of truth: the gateway
 * validates every write with it, the settings dialog validates each field with it.
 */
export const IncomingCallsSettingsSchema = z.object({
  /** Answer calls at all. */
  enabled: z.boolean(),
  /** Numbers or SIP users the camera answers to (its "MSN"); empty = any. */
  answerTo: z.array(callerEntrySchema).max(20),
  /** Accepted phone numbers and SIP addresses; empty = answer every call (not recommended). */
  acceptedCallers: z.array(callerEntrySchema).max(500),
  /** Stored audio message played on answer; null = none. */
  welcomeMessageId: z.string().min(1).nullable(),
  pin: pinSchema,
  /** Audio mode started once the caller is connected. */
  audioMode: AudioModeSchema,
  intercom: z.object({
    /** Caller level (percent of full scale RMS) above which the camera microphone is muted. */
    thresholdPercent: z.number().min(0).max(100),
    /** Minimum time the microphone stays muted once the caller spoke. */
    cycleTimeMs: z.number().int().min(100).max(10_000),
  }),
  /** Maximum connection time; the caller is warned 10 s before. */
  hangupAfterSeconds: z.number().int().min(15).max(3600),
  /** Seconds of 180 Ringing before the camera answers. */
  ringSeconds: z.number().min(0).max(30),
  /** Email profile used by key 5; null = none (key 5 not available). */
  emailProfileId: z.string().min(1).nullable(),
  actions: z.object({
    door: ActionProfileSchema,
    light: ActionProfileSchema,
  }),
  /** Settings stored before these existed read as the factory values. */
  locale: LocaleSettingsSchema.default(FACTORY_LOCALE),
  busy: z
    .object({
      policy: BusyPolicySchema,
      /**
       * queue: longest wait (ringing) for the running call to end; then 480. Keep it under the
       * gateway's --rtp-timeout (30 s): a SIP phone sends no audio while it rings.
       */
      queueSeconds: z.number().int().min(5).max(300),
    })
    .default(FACTORY_BUSY),
});
export type IncomingCallsSettings = z.infer<typeof IncomingCallsSettingsSchema>;

export const FACTORY_SETTINGS: IncomingCallsSettings = Object.freeze({
  enabled: true,
  answerTo: [],
  acceptedCallers: [],
  welcomeMessageId: 'welcome',
  pin: '',
  audioMode: 'listen',
  intercom: { thresholdPercent: 5, cycleTimeMs: 1000 },
  hangupAfterSeconds: 180,
  ringSeconds: 0,
  emailProfileId: null,
  actions: {
    door: { mode: 'pulse', durationSeconds: 3, httpUrl: '' },
    light: { mode: 'toggle', durationSeconds: null, httpUrl: '' },
  },
  locale: FACTORY_LOCALE,
  busy: FACTORY_BUSY,
}) as IncomingCallsSettings;

/** Warnings the dialog and the status show for risky but allowed settings. */
export function settingsWarnings(s: IncomingCallsSettings): string[] {
  const warnings: string[] = [];
  if (s.enabled && s.acceptedCallers.length === 0)
    warnings.push('The accepted list is empty: the camera answers every call. This is not recommended.');
  if (s.enabled && s.pin === '') warnings.push('No PIN is set: any caller who is answered can control the camera.');
  return warnings;
}

export const EmailProfileSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(100),
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  /** none: plain; starttls: upgrade on 587; tls: implicit TLS on 465. */
  security: z.enum(['none', 'starttls', 'tls']),
  username: z.string().max(255),
  password: z.string().max(255),
  from: z.email(),
  to: z.array(z.email()).min(1).max(20),
  subject: z.string().max(200),
});
export type EmailProfile = z.infer<typeof EmailProfileSchema>;
/** Passwords never leave the gateway: reads replace them with this flag. */
export type EmailProfileView = Omit<EmailProfile, 'password'> & { hasPassword: boolean };
