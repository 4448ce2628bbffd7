import { z } from 'zod';
import { IncomingCallsSettingsSchema } from './settings.ts';

/**
 * Cameras as first-class objects: one gateway serves many, each reached at its own SIP
 * address (`sip:<sipUser>@gateway`) or through its own provider registration. These schemas
 * check the REST API (`/api/cameras`) and the fleet file (`--cameras cameras.json|yaml`) alike.
 */

/** The id in URLs (`/cameras/<id>`, `/api/cameras/<id>/...`) and in the database; never changes. */
export const CameraIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, '1 to 32 characters: lower-case letters, digits and "-", not starting with "-"');
export type CameraId = z.infer<typeof CameraIdSchema>;

/** The camera every gateway has: a fresh start, and an upgraded single-camera data directory. */
export const DEFAULT_CAMERA_ID = 'camera';

/** The user part of the camera's SIP address: RFC 3261 unreserved characters only. */
export const SipUserSchema = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{1,64}$/, '1 to 64 characters: letters, digits, ".", "_", "~" or "-"');

/** The camera's own SIP provider account: calls arriving through it reach this camera. */
export const CameraRegistrationSchema = z.object({
  /** `host` or `host:port` (5060). */
  registrar: z.string().regex(/^[A-Za-z0-9.-]+(?::\d{1,5})?$/, 'expected host or host:port'),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(256),
  /** Address of record; default `sip:<username>@<registrar host>`. */
  aor: z.string().regex(/^sips?:[^@\s]+@[^\s]+$/, 'expected a SIP URI with a user, e.g. sip:4930123456@provider.example').optional(),
});
export type CameraRegistration = z.infer<typeof CameraRegistrationSchema>;

/** Where a real camera's pictures come from; unset = the simulated camera. */
const sources = {
  snapshotUrl: z.url({ protocol: /^https?$/ }).optional(),
  videoUrl: z.url({ protocol: /^rtsps?$/ }).optional(),
};

/** A camera as stored and as created (POST /api/cameras, an entry of the cameras file). */
export const CameraDefinitionSchema = z.object({
  id: CameraIdSchema,
  name: z.string().trim().min(1).max(64),
  /** Default: the id. Unique among the gateway's cameras (case-insensitive). */
  sipUser: SipUserSchema.optional(),
  ...sources,
  registration: CameraRegistrationSchema.optional(),
});
export type CameraDefinition = z.infer<typeof CameraDefinitionSchema>;

/** PATCH /api/cameras/:id — rename, move to another SIP user, change sources or registration (null removes). */
export const CameraPatchSchema = z.object({
  name: z.string().trim().min(1).max(64).optional(),
  sipUser: SipUserSchema.optional(),
  snapshotUrl: sources.snapshotUrl.nullable(),
  videoUrl: sources.videoUrl.nullable(),
  registration: CameraRegistrationSchema.nullable().optional(),
}).partial();
export type CameraPatch = z.infer<typeof CameraPatchSchema>;

/** A camera as the API shows it: the registration without its password. */
export const CameraViewSchema = z.object({
  id: CameraIdSchema,
  name: z.string(),
  sipUser: z.string(),
  sipAddress: z.string(),
  snapshotUrl: z.string().nullable(),
  videoUrl: z.string().nullable(),
  registration: z.object({ registrar: z.string(), transport: z.enum(['udp', 'tcp']), username: z.string(), aor: z.string().nullable() }).nullable(),
});
export type CameraView = z.infer<typeof CameraViewSchema>;

/**
 * The fleet file: cameras created or updated at every start. `settings` are Incoming Calls
 * settings applied (running and stored) over the camera's current ones.
 */
export const CamerasFileSchema = z.object({
  cameras: z
    .array(CameraDefinitionSchema.extend({ settings: IncomingCallsSettingsSchema.partial().optional() }))
    .max(256)
    .refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'camera ids must be unique'),
});
export type CamerasFile = z.infer<typeof CamerasFileSchema>;
