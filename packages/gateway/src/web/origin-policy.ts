/**
 * Who may use what across origins. The admin session cookie is SameSite=Strict, but a page
 * on another port of the same host is "same-site" and would still send it; so the REST API
 * and the admin side of socket.io also check where a request comes from:
 *  - the REST API answers only requests from the gateway's own origin (or with no origin,
 *    like curl) and never sends CORS headers, so no other page can read or change anything;
 *  - the UI's static files (camgate.js) are public and may be loaded from any page,
 *    without credentials.
 * The embedded softphone needs nothing else: SIP over `/sip` and socket.io by Call-ID work
 * without the cookie.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * True when the request says it comes from a page of this very origin, or says nothing
 * about its origin (a non-browser client, or a browser navigation).
 */
export function isSameOrigin(headers: IncomingHttpHeaders): boolean {
  // Fetch metadata (every current browser): the browser's own verdict.
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false; // "null" (sandboxed frames, file://) or garbage
  }
}

/** For `/api`: a request from another origin gets a 403 and no CORS headers, so preflights fail too. */
export const sameOriginOnly: RequestHandler = (req, res, next) => {
  if (isSameOrigin(req.headers)) return next();
  res.status(403).json({ error: 'the API is only for the camera UI of this gateway' });
};
