import { z } from 'zod';
import { IncomingCallsSettingsSchema } from './settings.ts';
import { CameraIdSchema } from './cameras.ts';

export const LoginRequestSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

/** GET /api/settings */
export const SettingsViewSchema = z.object({
  running: IncomingCallsSettingsSchema,
  stored: IncomingCallsSettingsSchema,
  /** running differs from stored: Close should offer to store. */
  dirty: z.boolean(),
  warnings: z.array(z.string()),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** Error body of every failed API call; `field` names the offending input. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  field: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** SIP credentials for the browser softphone (POST /api/softphone/credentials). */
export const SoftphoneCredentialsSchema = z.object({
  uri: z.string(),
  username: z.string(),
  password: z.string(),
  wsUrl: z.string(),
  cameraUri: z.string(),
});
export type SoftphoneCredentials = z.infer<typeof SoftphoneCredentialsSchema>;

export const RenameMessageSchema = z.object({ name: z.string().trim().min(1).max(100) });

/** Name of an admin-managed softphone account: it becomes the SIP user (`sip:NAME@gateway`). */
export const SoftphoneAccountNameSchema = z
  .string()
  .regex(/^[a-z0-9._-]{1,32}$/, '1 to 32 characters: lower-case letters, digits, ".", "_" or "-"');

/** PUT /api/softphone-accounts/:username — creates the account or replaces its password. */
export const SoftphoneAccountRequestSchema = z.object({
  password: z.string().min(8, 'at least 8 characters').max(128, 'at most 128 characters'),
  /** The camera ids the account may call; absent or null: every camera. */
  cameras: z.array(CameraIdSchema).min(1).max(256).nullable().optional(),
});
export type SoftphoneAccountRequest = z.infer<typeof SoftphoneAccountRequestSchema>;

/** A softphone account as the API shows it: never its password or digest. */
export const SoftphoneAccountViewSchema = z.object({
  username: z.string(),
  createdAt: z.number(),
  /** Epoch ms the account stops working; null = never (admin-managed accounts). */
  expiresAt: z.number().nullable(),
  /** The camera ids it may call; null: every camera. */
  cameras: z.array(z.string()).nullable(),
});
export type SoftphoneAccountView = z.infer<typeof SoftphoneAccountViewSchema>;

/** One active lock-out (GET /api/lockouts): who is locked and until when. */
export const LockoutSchema = z.object({
  /** Opaque id for DELETE /api/lockouts/:key. */
  key: z.string(),
  /** `caller`: a caller (or admin/softphone user) as presented with its address; `address`: a source IP; `provider`: PIN entry for every call through the SIP provider. */
  kind: z.enum(['caller', 'address', 'provider']),
  label: z.string(),
  lockedUntil: z.number(),
});
export type Lockout = z.infer<typeof LockoutSchema>;
export const LockoutListSchema = z.array(LockoutSchema);

/** Calls the camera refused, one row per source address and reason (GET /api/calls/rejected). */
export const RejectedCallsSchema = z.object({
  source: z.string(),
  reason: z.string(),
  count: z.number().int(),
  firstAt: z.number(),
  lastAt: z.number(),
  /** The caller as presented by the latest of them. */
  lastCaller: z.string(),
});
export type RejectedCalls = z.infer<typeof RejectedCallsSchema>;
export const RejectedCallsListSchema = z.array(RejectedCallsSchema);
