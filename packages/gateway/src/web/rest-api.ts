import express, { type Request, type Response, type Router } from 'express';
import {
  EmailProfileSchema,
  LoginRequestSchema,
  OutputNameSchema,
  RenameMessageSchema,
  type SharedStateHealth,
} from '@camgate/protocol';
import { z } from 'zod';
import { ENGINE_RATE } from '../audio/contracts.ts';
import { encodeWav } from '../audio/wav.ts';
import type { WavDecoder } from '../audio/wav-decoder.ts';
import type { CameraRegistry } from '../camera/camera-registry.ts';
import type { CameraUnit } from '../camera-unit.ts';
import { SHARED_STATE_UNREACHABLE } from '../cluster/shared-camera-state.ts';
import { EmailSender } from '../camera/device/email-sender.ts';
import type { Clock } from '../core/clock.ts';
import { InvalidStateError, ValidationError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { PinGuard } from '../camera/pin-guard.ts';
import { DATABASE_UNREACHABLE, type Store } from '../store/store.ts';
import { AdminSessions, readCookie, SESSION_COOKIE, signedIn } from './admin-sessions.ts';
import { HttpError, parseBody, route, storedStatus } from './http-errors.ts';
import { sameOriginOnly } from './origin-policy.ts';
import { createSoftphoneRoutes, type SoftphoneRoutesOptions } from './softphone-routes.ts';

const MAX_WAV_BYTES = 10 * 1024 * 1024;
const LimitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export interface RestApiOptions {
  cameras: CameraRegistry<CameraUnit>;
  store: Store;
  clock: Clock;
  logger: Logger;
  sessions: AdminSessions;
  /** This node and the reachability of what it shares with other gateways (GET /api/health). */
  health?(): { node: string; sharedState: SharedStateHealth };
  /** Brute-force lock-out of admin sign-ins, per source address and user name + address (same policy as PINs). */
  loginGuard: PinGuard;
  /** Every guard whose lock-outs the admin sees and lifts (/api/lockouts): PINs, sign-ins, softphone digests. */
  lockoutGuards: readonly Pick<PinGuard, 'list' | 'unlock'>[];
  /** Decodes uploaded WAV files off the event loop. */
  wavDecoder: Pick<WavDecoder, 'decode'>;
  realm: SoftphoneRoutesOptions['realm'];
  softphoneTarget: SoftphoneRoutesOptions['softphoneTarget'];
}

/**
 * The `/api` routes of docs/API.md, for the gateway's own UI only (see origin-policy.ts).
 * Everything but login needs an admin session. A camera's own routes live under
 * `/api/cameras/:cameraId/`; sessions, email profiles, lock-outs and softphone accounts are
 * the gateway's.
 */
export function createRestApi(o: RestApiOptions): Router {
  const api = express.Router();
  const { cameras, store, clock } = o;
  const emailSender = new EmailSender();
  const secureCookie = (req: Request) => (req.secure ? '; Secure' : '');

  api.use(sameOriginOnly);

  // The node answers calls while its database is unreachable: it stays "ok" and says what is missing.
  api.get('/health', (_req, res) => {
    const shared = o.health?.();
    const { reachable, pendingWrites } = store.health();
    // ok: this node answers calls; a shared state or database that is away is a warning, not an outage.
    const warnings = [...(shared?.sharedState === 'unreachable' ? [SHARED_STATE_UNREACHABLE] : []), ...(reachable ? [] : [DATABASE_UNREACHABLE])];
    res.json({ ok: true, ...shared, database: reachable ? 'ok' : DATABASE_UNREACHABLE, pendingWrites, warnings });
  });

  api.post(
    '/login',
    express.json({ limit: '4kb' }),
    route(async (req, res) => {
      const { username, password } = parseBody(LoginRequestSchema, req.body);
      const keys = { caller: username, address: req.socket.remoteAddress ?? 'unknown' };
      // Gateways sharing the database count sign-in failures together.
      await o.loginGuard.sync(keys);
      // The attempt is counted before the slow hash is awaited: parallel guesses cannot
      // outrun the lock-out, however many arrive at once.
      const attempt = o.loginGuard.reserve(keys);
      if (!attempt) throw tooManySignIns(res, o.loginGuard.lockedUntil(keys), clock.now());
      if (!(await store.adminUsers.verify(username, password))) {
        attempt.fail();
        o.logger.warn({ source: keys.address }, 'admin sign-in failed');
        throw new HttpError(401, 'wrong username or password');
      }
      // Re-checked after the hash: a lock-out that engaged meanwhile refuses even the right password.
      if (!attempt.succeed()) throw tooManySignIns(res, o.loginGuard.lockedUntil(keys), clock.now());
      const token = await o.sessions.create(username);
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secureCookie(req)}`);
      res.status(204).end();
    }),
  );

  api.post(
    '/logout',
    route(async (req, res) => {
      await o.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      res.status(204).end();
    }),
  );

  // Every route below needs a signed-in admin.
  api.use(signedIn(o.sessions));

  api.get('/session', (_req, res) => {
    res.json({ username: res.locals.username as string });
  });

  // --- Cameras -------------------------------------------------------------------------------
  api.get('/cameras', (_req, res) => {
    res.json(cameras.list().map((unit) => unit.view()));
  });
  api.post(
    '/cameras',
    express.json({ limit: '16kb' }),
    route(async (req, res) => {
      const unit = await cameras.add(req.body);
      o.logger.info({ cameraId: unit.id, admin: res.locals.username as string }, 'camera added by admin');
      res.status(201).json(unit.view());
    }),
  );

  // Everything below `/cameras/:cameraId` is that camera's: res.locals.unit.
  const camera = express.Router({ mergeParams: true });
  api.use(
    '/cameras/:cameraId',
    (req, res, next) => {
      const unit = cameras.get(param(req, 'cameraId'));
      if (!unit) return void res.status(404).json({ error: 'camera not found', field: 'cameraId' });
      res.locals.unit = unit;
      next();
    },
    camera,
  );
  const unitOf = (res: Response) => res.locals.unit as CameraUnit;

  camera.get('/', (_req, res) => {
    res.json(unitOf(res).view());
  });
  camera.patch(
    '/',
    express.json({ limit: '16kb' }),
    route(async (req, res) => res.json((await conflictAwareAsync(() => cameras.update(unitOf(res).id, req.body))).view())),
  );
  camera.delete(
    '/',
    route(async (_req, res) => {
      const { id } = unitOf(res);
      await cameras.remove(id);
      o.logger.info({ cameraId: id, admin: res.locals.username as string }, 'camera removed by admin');
      res.status(204).end();
    }),
  );

  // --- Incoming Calls settings (Set / store; Factory and Restore only fill the dialog) ----
  camera.get('/settings', (_req, res) => {
    res.json(unitOf(res).camera.settings.view());
  });
  camera.put('/settings', express.json({ limit: '256kb' }), route((req, res) => res.json(unitOf(res).camera.settings.set(req.body))));
  camera.post('/settings/store', route(async (_req, res) => {
    const view = await unitOf(res).camera.settings.store();
    res.status(storedStatus(unitOf(res).store.health().reachable)).json(view);
  }));
  camera.get('/last-caller', route(async (_req, res) => res.json(await unitOf(res).store.lastCaller.get())));

  // --- Audio messages ----------------------------------------------------------------------
  camera.get('/messages', (_req, res) => {
    res.json(unitOf(res).store.audioMessages.list());
  });
  camera.post(
    '/messages',
    express.raw({ type: () => true, limit: MAX_WAV_BYTES }),
    route(async (req, res) => {
      const { name } = parseBody(RenameMessageSchema, { name: req.query.name });
      const wav = req.body as Buffer;
      if (!Buffer.isBuffer(wav) || wav.length === 0) throw new HttpError(400, 'send a WAV file as the request body', 'file');
      let samples: Int16Array;
      try {
        samples = (await o.wavDecoder.decode(wav)).samples;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new HttpError(400, `not a usable WAV file: ${error.message.replace(/^wav: /, '')}`, 'file');
      }
      // Stored as the engine hears it (8 kHz mono): a call then reads it without decoding or resampling a large file.
      const message = await unitOf(res).store.audioMessages.add({ name, durationMs: (samples.length / ENGINE_RATE) * 1000, wav: encodeWav(samples) }, clock.now());
      res.status(201).json(message);
    }),
  );
  camera.patch(
    '/messages/:id',
    express.json({ limit: '4kb' }),
    route(async (req, res) => {
      const { name } = parseBody(RenameMessageSchema, req.body);
      res.json((await unitOf(res).store.audioMessages.rename(param(req, 'id'), name)) ?? notFound('message'));
    }),
  );
  camera.delete(
    '/messages/:id',
    route(async (req, res) => {
      if (!(await conflictAwareAsync(() => unitOf(res).camera.deleteAudioMessage(param(req, 'id'))))) notFound('message');
      res.status(204).end();
    }),
  );
  camera.get(
    '/messages/:id/audio',
    route(async (req, res) => {
      const wav = (await unitOf(res).store.audioMessages.wav(param(req, 'id'))) ?? notFound('message');
      res.type('audio/wav').send(wav);
    }),
  );

  // --- Email profiles ------------------------------------------------------------------------
  api.get('/email-profiles', (_req, res) => {
    res.json(store.emailProfiles.list());
  });
  api.put(
    '/email-profiles/:id',
    express.json({ limit: '16kb' }),
    route(async (req, res) => {
      const profile = parseBody(EmailProfileSchema, { ...(req.body as object), id: param(req, 'id') });
      res.json(await store.emailProfiles.put(profile, clock.now()));
    }),
  );
  api.post(
    '/email-profiles/:id/test',
    route(async (req, res) => {
      const profile = store.emailProfiles.get(param(req, 'id')) ?? notFound('email profile');
      try {
        await emailSender.sendTest(profile);
      } catch (error) {
        o.logger.info({ profile: profile.id, err: (error as Error).message }, 'test email failed');
        throw new HttpError(502, `The mail server did not take the test email: ${(error as Error).message}`);
      }
      res.status(204).end();
    }),
  );
  api.delete(
    '/email-profiles/:id',
    route(async (req, res) => {
      const id = param(req, 'id');
      // A global list each camera chooses from: in use by any camera's settings, it stays.
      const user = cameras.list().find((unit) => unit.camera.settings.uses({ emailProfileId: id }));
      if (user) throw new HttpError(409, `the email profile is in use by camera "${user.id}"`);
      if (!(await store.emailProfiles.delete(id))) notFound('email profile');
      res.status(204).end();
    }),
  );

  // --- The camera's state, outputs, events and call log -------------------------------------
  camera.get('/status', (_req, res) => {
    res.json(unitOf(res).status());
  });
  camera.get(
    '/snapshot',
    route(async (_req, res) => {
      let image;
      try {
        image = await unitOf(res).camera.snapshot();
      } catch (error) {
        throw new HttpError(502, `no picture from the camera: ${(error as Error).message}`);
      }
      res.type(image.contentType).setHeader('Cache-Control', 'no-store');
      res.send(image.data);
    }),
  );
  camera.get('/outputs', (_req, res) => {
    res.json(Object.values(unitOf(res).camera.outputs).map((output) => output.state));
  });
  camera.post(
    '/outputs/:name/trigger',
    route(async (req, res) => {
      const name = parseBody(OutputNameSchema, param(req, 'name'));
      res.json(await unitOf(res).camera.triggerOutput(name, `admin ${res.locals.username as string}`));
    }),
  );
  camera.get(
    '/events',
    route(async (req, res) => res.json(await unitOf(res).store.events.list(parseBody(LimitQuery, req.query).limit))),
  );
  camera.get(
    '/events/:id/image',
    route(async (req, res) => {
      const image = (await unitOf(res).store.events.image(Number(param(req, 'id')))) ?? notFound('image');
      res.type(image.contentType).setHeader('Cache-Control', 'private, max-age=86400');
      res.send(image.data);
    }),
  );
  camera.get(
    '/calls',
    route(async (req, res) => res.json(await unitOf(res).store.callLog.list(parseBody(LimitQuery, req.query).limit))),
  );

  // --- Gateway-wide ---------------------------------------------------------------------------
  api.get(
    '/calls/rejected',
    route(async (req, res) => res.json(await store.rejectedCalls.list(parseBody(LimitQuery, req.query).limit))),
  );

  // --- Lock-outs (PINs, admin sign-ins, softphone digests) ------------------------------------
  api.get('/lockouts', (_req, res) => {
    res.json(o.lockoutGuards.flatMap((guard) => guard.list()).sort((a, b) => b.lockedUntil - a.lockedUntil));
  });
  api.delete('/lockouts/:key', (req, res) => {
    const key = param(req, 'key');
    if (!o.lockoutGuards.some((guard) => guard.unlock(key))) notFound('lock-out');
    o.logger.info({ key, admin: res.locals.username as string }, 'lock-out lifted');
    res.status(204).end();
  });

  api.use(
    createSoftphoneRoutes({
      accounts: store.softphoneAccounts,
      admins: store.adminUsers,
      clock,
      logger: o.logger,
      realm: o.realm,
      softphoneTarget: o.softphoneTarget,
    }),
  );

  return api;
}

/** 429 with `Retry-After`, so the page can say when in the person's own time zone. */
function tooManySignIns(res: Response, lockedUntil: number | null, now: number): HttpError {
  res.setHeader('Retry-After', String(lockedUntil === null ? 1 : Math.max(1, Math.ceil((lockedUntil - now) / 1000))));
  return new HttpError(429, lockedUntil === null ? 'too many sign-in attempts at once; try again shortly' : `too many failed sign-ins; try again after ${new Date(lockedUntil).toISOString()}`);
}

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

function notFound(what: string): never {
  throw new HttpError(404, `${what} not found`);
}

/** Runs a change that refuses with InvalidStateError (-> 409). */
async function conflictAwareAsync<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof InvalidStateError) throw new HttpError(409, error.message);
    throw error;
  }
}

