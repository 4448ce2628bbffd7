/**
 * HTTP hardening of everything the gateway's web server answers, and the static files of
 * the built softphone (packages/softphone/dist).
 */
import { join } from 'node:path';
import type { RequestHandler, Router } from 'express';
import express from 'express';

/**
 * The camera UI is a Vite build: scripts and styles come from files of this origin only, no
 * inline code (Lit's styles are constructed style sheets, which CSP does not gate). The page
 * talks to its own origin only (REST, socket.io, SIP over WebSocket: 'self' covers ws/wss of
 * the same host), and nobody may frame it (clickjacking the admin UI).
 */
const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every answer: the page, the API and the assets. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', UI_CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'microphone=(self), camera=(), geolocation=()');
  next();
};

/**
 * The built UI. Its files are public (the API behind them is not), so any page may load
 * them: `<script type="module" src="…/camgate.js">` is a CORS request from the embedding
 * page's origin, answered without credentials.
 */
export function uiAssets(directory: string): Router {
  const router = express.Router();
  const files = express.static(directory, {
    index: 'index.html',
    maxAge: '1h',
    setHeaders: (res, path) => {
      if (path.endsWith('.html')) return;
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    },
  });
  router.use(files);
  // Deep links of the single-page UI: a camera's page (`/cameras/<id>`) is the same page,
  // and its relative asset URLs (`./assets/…`) resolve under /cameras/.
  router.use('/cameras', files);
  router.get('/cameras/:cameraId', (_req, res) => res.sendFile(join(directory, 'index.html')));
  return router;
}