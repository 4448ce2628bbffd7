import { z } from 'zod';
import { IncomingCallsSettingsSchema } from './settings.ts';

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
