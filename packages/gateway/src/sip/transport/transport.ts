/**
 * The one small interface every SIP transport implements (SIP.js's `Transport` idea):
 * a protocol, whether it is reliable, and `send()`. Inbound data flows up as whole
 * messages (framing is the transport's job) with where they came from.
 */
import type { TypedEmitter } from '../../core/typed-emitter.ts';
import type { SipError } from '../sip-error.ts';

export type TransportProtocol = 'udp' | 'tcp' | 'ws' | 'wss';

/** Where a message came from, and which of our sockets got it. */
export interface MessageSource {
  readonly protocol: TransportProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Set for connection-oriented transports (TCP, WebSocket). */
  readonly connectionId?: string;
}

/**
 * Where to send: an address (UDP, or TCP which connects if needed), or an open
 * connection. Requests to a browser MUST use its WebSocket connection: its Contact
 * (`sip:x@y.invalid;transport=ws`) cannot be reached otherwise.
 */
export type Destination =
  | { readonly protocol: TransportProtocol; readonly host: string; readonly port: number }
  | { readonly connectionId: string };

export type TransportEvents = {
  /** One complete SIP message (not yet parsed). */
  message: [data: Buffer, source: MessageSource];
  /**
   * A stream lost framing (no or bad Content-Length, over 64 KiB); `head` is the header
   * section when its end was found. The transport closes the connection once what is
   * queued on it is written.
   */
  unframeable: [head: Buffer | undefined, error: SipError, source: MessageSource];
  'connection-closed': [connectionId: string];
};

export interface Transport extends Pick<TypedEmitter<TransportEvents>, 'on' | 'off' | 'once'> {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** Resolves once the data is handed to the OS; rejects on any transport error. */
  send(data: Buffer, destination: Destination): Promise<void>;
  /** Idempotent; closes sockets, connections and timers. */
  close(): void;
}

/** WebSocket callers are browsers: WebRTC media, digest-authenticated, reachable only over their connection. */
export function isWebSocket(protocol: TransportProtocol): protocol is 'ws' | 'wss' {
  return protocol === 'ws' || protocol === 'wss';
}

export function isConnectionDestination(destination: Destination): destination is { readonly connectionId: string } {
  return 'connectionId' in destination;
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; count and compare them as IPv4. */
export function unmappedAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
