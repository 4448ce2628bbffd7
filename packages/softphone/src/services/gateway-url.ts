/**
 * Where the gateway lives. The camera UI page is served by the gateway itself (same
 * origin); an embedding page names it in the `gateway` attribute.
 */

/** The gateway's base URL (always ending in `/`), resolved against the page. */
export function resolveGatewayUrl(attribute: string | null | undefined, page: string = location.href): URL {
  const base = new URL(attribute?.trim() ? attribute.trim() : '/', page);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return base;
}

/** SIP over WebSocket (RFC 7118) on the gateway's HTTP server: `ws(s)://host/sip`. */
export function sipWebSocketUrl(gateway: URL): string {
  const url = new URL('sip', gateway);
  url.protocol = gateway.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** The SIP domain of the gateway: its host name. */
export function sipDomain(gateway: URL): string {
  return gateway.hostname;
}
