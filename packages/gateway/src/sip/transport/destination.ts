/**
 * Where to send a request addressed to a SIP URI (a much reduced RFC 3263: no NAPTR/SRV,
 * the OS resolves names): `maddr` or host, the URI's port or 5060, its `transport`
 * parameter or UDP.
 */
import { UnsupportedError } from '../../core/errors.ts';
import { socketHost, type SipUri } from '../message/uri.ts';
import type { Destination, TransportProtocol } from './transport.ts';

export function destinationFor(uri: SipUri): Destination {
  const transport = uri.transport ?? (uri.scheme === 'sips' ? 'tls' : 'udp');
  if (transport === 'ws' || transport === 'wss' || uri.host.toLowerCase().endsWith('.invalid')) {
    throw new UnsupportedError(`${uri.toString()} is reachable only over the connection it registered from`);
  }
  if (transport !== 'udp' && transport !== 'tcp') throw new UnsupportedError(`transport ${transport} is not supported`);
  const host = uri.params.get('maddr') ?? uri.hostname;
  return { protocol: transport satisfies TransportProtocol, host: socketHost(host), port: uri.port ?? 5060 };
}
