/** socket.io clients (the camera page's live state) from a chosen loopback source. */
import { io, type Socket } from 'socket.io-client';
import type { GatewayTarget } from './target.ts';

/** Opens one socket.io connection (its own engine.io connection, never multiplexed). */
export function liveSocket(target: GatewayTarget, from: string, headers: Record<string, string> = {}): Socket {
  return io(target.baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 10_000,
    extraHeaders: headers,
    localAddress: from,
  } as Parameters<typeof io>[1]);
}

/** Whether the socket's handshake was accepted. */
export function connected(socket: Socket): Promise<boolean> {
  if (socket.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('connect_error', () => resolve(false));
    socket.once('disconnect', () => resolve(false));
  });
}
