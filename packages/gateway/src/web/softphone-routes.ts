/**
 * Softphone accounts over REST (docs/API.md): the short-lived account the camera page mints
 * for itself, and the named accounts the admin keeps for softphones embedded in other sites.
 * Passwords go into the digest H(A1) and are never stored or shown.
 */
import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import {
  SoftphoneAccountNameSchema,
  SoftphoneAccountRequestSchema,
  type SoftphoneAccountView,
  type SoftphoneCredentials,
} from '@camgate/protocol';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { SoftphoneAccount, SoftphoneAccountRepository } from '../store/softphone-account-repository.ts';
import { HttpError, parseBody, route } from './http-errors.ts';

const CAMERA_PAGE_ACCOUNT_TTL_MS = 12 * 60 * 60 * 1000;
const PutAccountSchema = SoftphoneAccountRequestSchema.extend({ username: SoftphoneAccountNameSchema });

export interface SoftphoneRoutesOptions {
  accounts: SoftphoneAccountRepository;
  clock: Clock;
  logger: Logger;
  /** SIP digest realm of softphone accounts. */
  realm: string;
  /** The camera's SIP URI and WebSocket URL as a browser on `host` reaches them. */
  softphoneTarget(host: string, secure: boolean): { cameraUri: string; wsUrl: string; domain: string };
}

/** Routes for a router that has already checked the admin session. */
export function createSoftphoneRoutes(o: SoftphoneRoutesOptions): Router {
  const routes = express.Router();
  const { accounts, clock } = o;

  routes.post('/softphone/credentials', (req, res) => {
    const now = clock.now();
    accounts.deleteExpired(now);
    const username = `web-${randomBytes(6).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    accounts.create({ username, realm: o.realm, password, expiresAt: now + CAMERA_PAGE_ACCOUNT_TTL_MS }, now);
    const target = o.softphoneTarget(req.headers.host ?? 'localhost', req.secure);
    const credentials: SoftphoneCredentials = {
      uri: `sip:${username}@${target.domain}`,
      username,
      password,
      wsUrl: target.wsUrl,
      cameraUri: target.cameraUri,
    };
    res.json(credentials);
  });

  routes.get('/softphone-accounts', (_req, res) => {
    const now = clock.now();
    accounts.deleteExpired(now);
    res.json(accounts.list(now).map(toView));
  });

  routes.put(
    '/softphone-accounts/:username',
    express.json({ limit: '4kb' }),
    route((req, res) => {
      const body = typeof req.body === 'object' && req.body !== null ? (req.body as object) : {};
      const { username, password } = parseBody(PutAccountSchema, { ...body, username: req.params.username });
      const { account, created } = accounts.put({ username, realm: o.realm, password, expiresAt: null }, clock.now());
      o.logger.info({ username, created }, 'softphone account saved');
      res.status(created ? 201 : 200).json(toView(account));
    }),
  );

  routes.delete('/softphone-accounts/:username', (req, res) => {
    if (!accounts.delete(String(req.params.username))) throw new HttpError(404, 'softphone account not found');
    o.logger.info({ username: req.params.username }, 'softphone account deleted');
    res.status(204).end();
  });

  return routes;
}

function toView(account: SoftphoneAccount): SoftphoneAccountView {
  return { username: account.username, createdAt: account.createdAt, expiresAt: account.expiresAt };
}
