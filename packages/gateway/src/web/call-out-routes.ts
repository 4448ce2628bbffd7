/**
 * The bell and the Outgoing Calls settings (docs/API.md "Outgoing calls"):
 *  - admin (session cookie, same origin): `GET/PUT /outgoing-calls`, `POST /outgoing-calls/store`,
 *    `GET /call-outs`, `POST /bell` (the camera page's Ring button), all also under
 *    `/cameras/:id/…`;
 *  - the bell webhook for door stations and relays: `POST /cameras/:id/bell/hook` (and
 *    `/bell/hook`) with the camera's secret token in `?token=` or `X-Camgate-Token`,
 *    compared in constant time; no session, any origin (it is a machine's call).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { CallOutService } from '../camera/call-out/call-out-service.ts';
import type { OutgoingCallsSettingsService } from '../camera/call-out/outgoing-calls-settings.ts';
import type { Logger } from '../core/logger.ts';
import { signedIn, type AdminSessions } from './admin-sessions.ts';
import { HttpError, route, storedStatus } from './http-errors.ts';
import { sameOriginOnly } from './origin-policy.ts';

/** One camera's call-out parts. */
export interface CallOutCamera {
  callOuts: CallOutService;
  settings: OutgoingCallsSettingsService;
}

export interface CallOutRoutesOptions {
  /** The camera with this id, or undefined. */
  camera(id: string): CallOutCamera | undefined;
  /** The camera `/bell` and `/outgoing-calls` without `/cameras/:id` mean. */
  defaultCameraId: string;
  sessions: AdminSessions;
  logger: Logger;
  /** False while the database server is unreachable (a Store then answers 202). */
  databaseReachable(): boolean;
}

export function createCallOutRoutes(o: CallOutRoutesOptions): Router {
  const api = Router();
  const log = o.logger.child({ component: 'bell' });
  const cameraOf = (req: Request): CallOutCamera => {
    const id = typeof req.params.id === 'string' ? req.params.id : o.defaultCameraId;
    const camera = o.camera(id);
    if (!camera) throw new HttpError(404, 'no such camera');
    return camera;
  };

  // --- the webhook: before the admin check, authenticated by the token alone -----------------
  for (const path of ['/bell/hook', '/cameras/:id/bell/hook']) {
    api.post(
      path,
      route(async (req, res) => {
        const camera = cameraOf(req);
        const presented = req.header('x-camgate-token') ?? (typeof req.query.token === 'string' ? req.query.token : '');
        const expected = camera.settings.running.webhookToken;
        if (expected === '' || !sameSecret(presented, expected)) {
          log.warn({ source: req.socket.remoteAddress }, 'bell webhook with a wrong token');
          throw new HttpError(403, 'wrong or missing token', 'token');
        }
        res.json({ started: await camera.callOuts.ring('webhook') });
      }),
    );
  }

  // Per route, not `api.use`: this router sits in front of the rest of /api (sign-in included).
  const admin: RequestHandler[] = [
    sameOriginOnly,
    signedIn(o.sessions),
  ];
  for (const prefix of ['', '/cameras/:id']) {
    api.post(
      `${prefix}/bell`,
      admin,
      route(async (req, res) => res.json({ started: await cameraOf(req).callOuts.ring(String(res.locals.username)) })),
    );
    api.get(`${prefix}/call-outs`, admin, route((req, res) => res.json(cameraOf(req).callOuts.statuses)));
    api.get(`${prefix}/outgoing-calls`, admin, route((req, res) => res.json(cameraOf(req).settings.view())));
    api.put(`${prefix}/outgoing-calls`, admin, express.json({ limit: '64kb' }), route((req, res) => res.json(cameraOf(req).settings.set(req.body))));
    api.post(`${prefix}/outgoing-calls/store`, admin, route(async (req, res) => {
      const view = await cameraOf(req).settings.store();
      res.status(storedStatus(o.databaseReachable())).json(view);
    }));
  }
  // In front of the audio-message routes: a message a call-out profile plays stays (409), as one the Incoming Calls settings use.
  api.delete(['/messages/:messageId', '/cameras/:id/messages/:messageId'], ...admin, (req: Request, res: Response, next: NextFunction) => {
    const camera = o.camera(typeof req.params.id === 'string' ? req.params.id : o.defaultCameraId);
    if (camera?.settings.usesMessage(String(req.params.messageId))) return void res.status(409).json({ error: 'the message is played by a call-out profile' });
    next();
  });
  return api;
}

/** Constant-time comparison of two secrets of any length (hashes first, so lengths leak nothing). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
