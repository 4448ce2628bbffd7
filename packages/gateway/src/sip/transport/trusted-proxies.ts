/**
 * The SIP proxies the installer put in front of the gateway (`--sip-trusted-proxy`, e.g.
 * a Kamailio dispatcher before several nodes), and what trusting one means: the transport
 * peer of a request is then not the caller. This module alone answers "who is calling
 * from where" for every request, so the rate limit, the quotas, the lock-outs and the logs
 * all see the same caller:
 *
 *  - from an untrusted peer: the peer's address, the From identity; a P-Asserted-Identity
 *    is ignored (anyone can write one; RFC 3325 §5 trusts it only inside a trust domain);
 *  - from a trusted proxy: the hop before it, as the proxy recorded it in the caller's
 *    Via (RFC 3261 §18.2.1 `received`, else its sent-by host: the proxy stamps `received`
 *    whenever the two differ), walking further back through chained trusted proxies; the
 *    identity is the P-Asserted-Identity (RFC 3325 §9.1) when present, else From.
 *
 * A trusted proxy's own requests (its OPTIONS probes) have no earlier hop: their origin
 * is the proxy.
 */
import { isIP } from 'node:net';
import { parseAddressList, socketHost, isSipUri, type NameAddr, type SipRequest } from '../message/index.ts';
import { unmappedAddress, type MessageSource } from './transport.ts';

/** Where a request really comes from, and who sends it. */
export interface CallerOrigin {
  /** The caller's IP address: the transport peer, or behind trusted proxies the hop before them. */
  readonly address: string;
  /** The trusted proxy the request came through (its transport peer); undefined for a direct request. */
  readonly proxy: string | undefined;
  /** The caller as identified: P-Asserted-Identity through a trusted proxy, else From. */
  readonly identity: NameAddr;
}

export class TrustedProxies {
  readonly #addresses: ReadonlySet<string>;

  constructor(addresses: Iterable<string> = []) {
    this.#addresses = new Set([...addresses].map(normalized));
  }

  /** Whether `address` (a transport peer) is one of the trusted proxies. */
  has(address: string): boolean {
    return this.#addresses.has(normalized(address));
  }

  get size(): number {
    return this.#addresses.size;
  }

  /** The origin of `request` received from `source` (see the module comment); throws SipError(400) on a malformed P-Asserted-Identity of a trusted proxy. */
  originOf(request: SipRequest, source: MessageSource): CallerOrigin {
    const peer = normalized(source.remoteAddress);
    if (!this.has(peer)) return { address: peer, proxy: undefined, identity: request.from };
    const vias = request.vias;
    let address = peer;
    for (let hop = 1; hop < vias.length && this.has(address); hop++) {
      const via = vias[hop]!;
      const previous = normalized(socketHost(via.received ?? via.host));
      // A host name there was never checked by the proxy: the trusted hop is the last known one.
      if (isIP(previous) === 0) break;
      address = previous;
    }
    return { address, proxy: peer, identity: assertedIdentity(request) ?? request.from };
  }
}

/** RFC 3325 §9.1: one or two addresses (a sip: or sips: and a tel:); the SIP one names the caller best. */
function assertedIdentity(request: SipRequest): NameAddr | undefined {
  const values = request.headers.getAll('P-Asserted-Identity');
  if (values.length === 0) return undefined;
  const identities = parseAddressList(values, 'P-Asserted-Identity');
  return identities.find((identity) => isSipUri(identity.uri)) ?? identities[0];
}

function normalized(address: string): string {
  return unmappedAddress(address).toLowerCase();
}
