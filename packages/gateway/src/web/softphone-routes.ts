/**
 * Softphone accounts over REST (docs/API.md): the camera page's own account of each admin,
 * and the named accounts the admin keeps for softphones embedded in other sites.
 * Passwords go into the digest H(A1) and are never stored or shown.
 */
import express, { type Router } from 'express';
import {
  CameraIdSchema,
  DEFAULT_CAMERA_ID,
  SoftphoneAccountNameSchema,
  SoftphoneAccountRequestSchema,
  type SoftphoneAccountView,
  type SoftphoneCredentials,
} from '@camgate/protocol';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { AdminUserRepository } from '../store/admin-user-repository.ts';
import type { SoftphoneAccount, SoftphoneAccountRepository } from '../store/softphone-account-repository.ts';
import { HttpError, parseBody, route } from './http-errors.ts';

/** What the camera page's account password is derived for (see AdminUserRepository.derivedSecret). */
const CAMERA_PAGE_SECRET_PURPOSE = 'camera page softphone';
const PutAccountSchema = SoftphoneAccountRequestSchema.extend({ username: SoftphoneAccountNameSchema });
const CredentialsQuerySchema = z.object({ camera: CameraIdSchema.default(DEFAULT_CAMERA_ID) });

export interface SoftphoneRoutesOptions {
  accounts: SoftphoneAccountRepository;
  /** The admins: each one's camera page calls as `sip:<admin>@<gateway>`, a name no other account may take. */
  admins: Pick<AdminUserRepository, 'exists' | 'derivedSecret'>;
  clock: Clock;
  logger: Logger;
  /** SIP digest realm of softphone accounts. */
  realm: string;
  /** A camera's SIP URI and the WebSocket URL as a browser on `host` reaches them; undefined: no such camera. */
  softphoneTarget(host: string, secure: boolean, cameraId: string): { cameraUri: string; wsUrl: string; domain: string } | undefined;
}

/** Routes for a router that has already checked the admin session. */
export function createSoftphoneRoutes(o: SoftphoneRoutesOptions): Router {
  const routes = express.Router();
  const { accounts, clock } = o;

  /**
   * The signed-in admin's own softphone: always the same identity (`sip:admin@gateway`), so the
   * accepted list can name it, and the same password in every tab and session (derived, so
   * nothing readable is stored). It is still digest-authenticated like every account.
   * `?camera=<id>` names the camera it calls (default: the default camera).
   */
  routes.post(
    '/softphone/credentials',
    route(async (req, res) => {
      const username = res.locals.username as string;
      const { camera } = parseBody(CredentialsQuerySchema, req.query);
      const target = o.softphoneTarget(req.headers.host ?? 'localhost', req.secure, camera) ?? notFoundCamera();
      const password = await o.admins.derivedSecret(username, CAMERA_PAGE_SECRET_PURPOSE);
      if (password === null) throw new HttpError(401, 'sign in first');
      const now = clock.now();
      await accounts.deleteExpired(now);
      await accounts.put({ username, realm: o.realm, password, expiresAt: null }, now);
      const credentials: SoftphoneCredentials = {
        uri: `sip:${username}@${target.domain}`,
        username,
        password,
        wsUrl: target.wsUrl,
        cameraUri: target.cameraUri,
      };
      res.json(credentials);
    }),
  );

  routes.get(
    '/softphone-accounts',
    route(async (_req, res) => {
      const now = clock.now();
      await accounts.deleteExpired(now);
      res.json(accounts.list(now).map(toView));
    }),
  );

  routes.put(
    '/softphone-accounts/:username',
    express.json({ limit: '4kb' }),
    route(async (req, res) => {
      const body = typeof req.body === 'object' && req.body !== null ? (req.body as object) : {};
      const { username, password, cameras } = parseBody(PutAccountSchema, { ...body, username: req.params.username });
      if (await o.admins.exists(username)) throw new HttpError(409, `"${username}" is the camera page's own softphone of that admin; choose another name`, 'username');
      const { account, created } = await accounts.put({ username, realm: o.realm, password, expiresAt: null, cameras: cameras ?? null }, clock.now());
      o.logger.info({ username, created }, 'softphone account saved');
      res.status(created ? 201 : 200).json(toView(account));
    }),
  );

  routes.delete(
    '/softphone-accounts/:username',
    route(async (req, res) => {
      if (!(await accounts.delete(String(req.params.username)))) throw new HttpError(404, 'softphone account not found');
      o.logger.info({ username: req.params.username }, 'softphone account deleted');
      res.status(204).end();
    }),
  );

  return routes;
}

function toView(account: SoftphoneAccount): SoftphoneAccountView {
  return { username: account.username, createdAt: account.createdAt, expiresAt: account.expiresAt, cameras: account.cameras };
}

function notFoundCamera(): never {
  throw new HttpError(404, 'camera not found', 'camera');
}
