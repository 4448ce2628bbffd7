/**
 * Typed client of the gateway REST API (docs/API.md). Every answer is validated with the
 * protocol's zod schemas, so a gateway speaking another version fails loudly here instead
 * of deep inside a component.
 */
import { z } from 'zod';
import {
  ApiErrorSchema,
  AudioMessageSchema,
  BellResultSchema,
  CallLogEntrySchema,
  CameraEventSchema,
  CameraStatusSchema,
  CameraViewSchema,
  EmailProfileSchema,
  LastCallerSchema,
  LockoutSchema,
  OutgoingCallsViewSchema,
  OutputStateSchema,
  RejectedCallsListSchema,
  SettingsViewSchema,
  SoftphoneAccountViewSchema,
  SoftphoneCredentialsSchema,
} from '@camgate/protocol';
import type {
  AudioMessage,
  BellResult,
  CallLogEntry,
  CameraEvent,
  CameraDefinition,
  CameraStatus,
  CameraView,
  EmailProfile,
  EmailProfileView,
  IncomingCallsSettings,
  LastCaller,
  Lockout,
  LoginRequest,
  OutgoingCallsSettings,
  OutgoingCallsView,
  OutputName,
  OutputState,
  RejectedCalls,
  SettingsView,
  SoftphoneAccountRequest,
  SoftphoneAccountView,
  SoftphoneCredentials,
} from '@camgate/protocol';

/** A failed API call: the gateway's message and, for bad input, the offending field. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    /** Dotted path of the bad field (`pin`, `intercom.cycleTimeMs`, `acceptedCallers.2`). */
    readonly field?: string,
    readonly issues: readonly { path: string; message: string }[] = [],
    /** How long to wait before trying again (HTTP Retry-After, e.g. a locked sign-in). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const EmailProfileViewSchema = EmailProfileSchema.omit({ password: true }).extend({ hasPassword: z.boolean() });
const SessionSchema = z.object({ username: z.string() });

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ApiClient {
  /** `camera`: the camera id the per-camera calls (settings, messages, events, …) are for. */
  constructor(
    readonly gateway: URL,
    readonly camera = 'camera',
  ) {}

  /** `api/cameras/<camera>/<path>`: this client's camera. */
  private cameraPath(path: string): string {
    return `api/cameras/${encodeURIComponent(this.camera)}/${path}`;
  }

  // Cameras
  cameras(): Promise<CameraView[]> {
    return this.send('GET', 'api/cameras', z.array(CameraViewSchema));
  }
  /** This client's camera. */
  cameraView(): Promise<CameraView> {
    return this.send('GET', this.cameraPath(''), CameraViewSchema);
  }
  addCamera(definition: CameraDefinition): Promise<CameraView> {
    return this.send('POST', 'api/cameras', CameraViewSchema, definition);
  }
  renameCamera(id: string, name: string): Promise<CameraView> {
    return this.send('PATCH', `api/cameras/${encodeURIComponent(id)}/`, CameraViewSchema, { name });
  }
  /** Ends the camera's calls and deletes it with everything it kept. */
  removeCamera(id: string): Promise<void> {
    return this.send('DELETE', `api/cameras/${encodeURIComponent(id)}/`, null);
  }
  /** A picture of a camera now (the list's thumbnail). */
  snapshotUrl(id: string, at: number): string {
    return this.url(`api/cameras/${encodeURIComponent(id)}/snapshot?at=${at}`);
  }

  // Admin session
  login(credentials: LoginRequest): Promise<void> {
    return this.send('POST', 'api/login', null, credentials);
  }
  logout(): Promise<void> {
    return this.send('POST', 'api/logout', null);
  }
  /** The signed-in admin, or null when there is no session. */
  async session(): Promise<{ username: string } | null> {
    try {
      return await this.send('GET', 'api/session', SessionSchema);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  }

  // Incoming Calls settings
  settings(): Promise<SettingsView> {
    return this.send('GET', this.cameraPath('settings'), SettingsViewSchema);
  }
  setSettings(settings: IncomingCallsSettings): Promise<SettingsView> {
    return this.send('PUT', this.cameraPath('settings'), SettingsViewSchema, settings);
  }
  storeSettings(): Promise<SettingsView> {
    return this.send('POST', this.cameraPath('settings/store'), SettingsViewSchema);
  }
  lastCaller(): Promise<LastCaller> {
    return this.send('GET', this.cameraPath('last-caller'), LastCallerSchema);
  }

  // PIN lock-outs
  lockouts(): Promise<Lockout[]> {
    return this.send('GET', 'api/lockouts', z.array(LockoutSchema));
  }
  unlock(key: string): Promise<void> {
    return this.send('DELETE', `api/lockouts/${encodeURIComponent(key)}`, null);
  }

  // Audio messages
  messages(): Promise<AudioMessage[]> {
    return this.send('GET', this.cameraPath('messages'), z.array(AudioMessageSchema));
  }
  uploadMessage(name: string, wav: Blob): Promise<AudioMessage> {
    return this.send('POST', this.cameraPath(`messages?${new URLSearchParams({ name })}`), AudioMessageSchema, wav);
  }
  renameMessage(id: string, name: string): Promise<AudioMessage> {
    return this.send('PATCH', this.cameraPath(`messages/${encodeURIComponent(id)}`), AudioMessageSchema, { name });
  }
  deleteMessage(id: string): Promise<void> {
    return this.send('DELETE', this.cameraPath(`messages/${encodeURIComponent(id)}`), null);
  }
  messageAudioUrl(id: string): string {
    return this.url(this.cameraPath(`messages/${encodeURIComponent(id)}/audio`));
  }

  // Email profiles
  emailProfiles(): Promise<EmailProfileView[]> {
    return this.send('GET', 'api/email-profiles', z.array(EmailProfileViewSchema));
  }
  saveEmailProfile(profile: EmailProfile): Promise<EmailProfileView> {
    return this.send('PUT', `api/email-profiles/${encodeURIComponent(profile.id)}`, EmailProfileViewSchema, profile);
  }
  /** Sends a test email with the stored profile; rejects with the mail server's error (502). */
  testEmailProfile(id: string): Promise<void> {
    return this.send('POST', `api/email-profiles/${encodeURIComponent(id)}/test`, null);
  }
  deleteEmailProfile(id: string): Promise<void> {
    return this.send('DELETE', `api/email-profiles/${encodeURIComponent(id)}`, null);
  }

  // Camera
  status(): Promise<CameraStatus> {
    return this.send('GET', this.cameraPath('status'), CameraStatusSchema);
  }
  outputs(): Promise<OutputState[]> {
    return this.send('GET', this.cameraPath('outputs'), z.array(OutputStateSchema));
  }
  triggerOutput(name: OutputName): Promise<OutputState> {
    return this.send('POST', this.cameraPath(`outputs/${name}/trigger`), OutputStateSchema);
  }
  events(limit: number): Promise<CameraEvent[]> {
    return this.send('GET', this.cameraPath(`events?limit=${limit}`), z.array(CameraEventSchema));
  }
  eventImageUrl(id: number): string {
    return this.url(this.cameraPath(`events/${id}/image`));
  }
  calls(limit: number): Promise<CallLogEntry[]> {
    return this.send('GET', this.cameraPath(`calls?limit=${limit}`), z.array(CallLogEntrySchema));
  }
  rejectedCalls(limit: number): Promise<RejectedCalls[]> {
    return this.send('GET', `api/calls/rejected?limit=${limit}`, RejectedCallsListSchema);
  }

  // Bell and Outgoing Calls
  /** The bell input (the camera page's Ring button): starts the profiles with the bell trigger. */
  ring(): Promise<BellResult> {
    return this.send('POST', this.cameraPath('bell'), BellResultSchema);
  }
  outgoingCalls(): Promise<OutgoingCallsView> {
    return this.send('GET', this.cameraPath('outgoing-calls'), OutgoingCallsViewSchema);
  }
  /** Set: the running Outgoing Calls settings (lost on restart until stored). */
  setOutgoingCalls(settings: OutgoingCallsSettings): Promise<OutgoingCallsView> {
    return this.send('PUT', this.cameraPath('outgoing-calls'), OutgoingCallsViewSchema, settings);
  }
  storeOutgoingCalls(): Promise<OutgoingCallsView> {
    return this.send('POST', this.cameraPath('outgoing-calls/store'), OutgoingCallsViewSchema);
  }

  // Softphone accounts
  softphoneCredentials(): Promise<SoftphoneCredentials> {
    return this.send('POST', `api/softphone/credentials?${new URLSearchParams({ camera: this.camera })}`, SoftphoneCredentialsSchema);
  }
  softphoneAccounts(): Promise<SoftphoneAccountView[]> {
    return this.send('GET', 'api/softphone-accounts', z.array(SoftphoneAccountViewSchema));
  }
  /** Creates the account, or gives an existing one a new password and camera list (null: every camera). */
  saveSoftphoneAccount(username: string, request: SoftphoneAccountRequest): Promise<SoftphoneAccountView> {
    return this.send('PUT', `api/softphone-accounts/${encodeURIComponent(username)}`, SoftphoneAccountViewSchema, request);
  }
  deleteSoftphoneAccount(username: string): Promise<void> {
    return this.send('DELETE', `api/softphone-accounts/${encodeURIComponent(username)}`, null);
  }

  private url(path: string): string {
    return new URL(path, this.gateway).href;
  }

  private async send(method: Method, path: string, schema: null, body?: unknown): Promise<void>;
  private async send<T>(method: Method, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T>;
  private async send<T>(method: Method, path: string, schema: z.ZodType<T> | null, body?: unknown): Promise<T | void> {
    const init: RequestInit = { method, credentials: 'include', headers: { Accept: 'application/json' } };
    if (body instanceof Blob) {
      init.body = body;
      init.headers = { ...init.headers, 'Content-Type': body.type || 'audio/wav' };
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await fetch(this.url(path), init);
    } catch {
      throw new ApiError(0, 'The camera gateway cannot be reached.');
    }
    if (!response.ok) throw await toApiError(response);
    if (schema === null) return;
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new ApiError(response.status, `Unexpected answer from the gateway for ${method} /${path}.`);
    return parsed.data;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const parsed = ApiErrorSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) return new ApiError(response.status, `The gateway answered ${response.status} ${response.statusText}.`);
  const { error, field, issues } = parsed.data;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return new ApiError(response.status, error, field, issues ?? [], Number.isNaN(retryAfter) ? undefined : retryAfter);
}
