/**
 * The page's socket.io connection to the gateway, typed with the protocol's event maps.
 * socket.io reconnects by itself after network trouble; the host re-renders on every
 * change of `state`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Ack, AudioMode, ClientToServerEvents, ServerToClientEvents } from '@camgate/protocol';

export type CamgateSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type SocketState = 'connecting' | 'connected' | 'disconnected';
export type AckResult = Parameters<Ack>[0];
type TimedSocket = ReturnType<CamgateSocket['timeout']>;

export interface SocketControllerOptions {
  /** The gateway's base URL, read when the host connects. */
  gateway: () => URL;
  /** Handlers for the gateway's events; they stay attached across reconnects. */
  listeners: Partial<ServerToClientEvents>;
  /** Runs after every (re)connect: the place to re-send subscriptions such as `call:watch`. */
  onConnect?: () => void;
  /** Connect as soon as the host is in the page (default); otherwise wait for `connect()`. */
  autoConnect?: boolean;
}

const ACK_TIMEOUT_MS = 5000;

export class SocketController implements ReactiveController {
  state: SocketState = 'disconnected';
  #socket: CamgateSocket | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: SocketControllerOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (this.options.autoConnect ?? true) this.connect();
  }

  hostDisconnected(): void {
    this.disconnect();
  }

  /** The current connection (a new one after each `connect()`), for components that add their own events. */
  get connection(): CamgateSocket | null {
    return this.#socket;
  }

  /** Opens a fresh connection, e.g. after sign-in so the new session cookie applies. */
  connect(): void {
    this.disconnect();
    this.open();
  }

  disconnect(): void {
    this.#socket?.removeAllListeners();
    this.#socket?.disconnect();
    this.#socket = null;
    this.setState('disconnected');
  }

  /** Admins: receive one camera's status and events (its room) until unwatched. */
  watchCamera(cameraId: string): Promise<AckResult> {
    return this.acknowledged((socket) => socket.emitWithAck('camera:watch', cameraId));
  }

  unwatchCamera(cameraId: string): Promise<AckResult> {
    return this.acknowledged((socket) => socket.emitWithAck('camera:unwatch', cameraId));
  }

  /** Follows one call by its SIP Call-ID: its updates and captions reach this socket. */
  watchCall(callId: string): Promise<AckResult> {
    return this.acknowledged((socket) => socket.emitWithAck('call:watch', callId));
  }

  /** Switches the audio mode of a connected call. */
  setAudioMode(callId: string, mode: AudioMode): Promise<AckResult> {
    return this.acknowledged((socket) => socket.emitWithAck('call:audio-mode', { callId, mode }));
  }

  private async acknowledged(send: (socket: TimedSocket) => Promise<AckResult>): Promise<AckResult> {
    const socket = this.#socket;
    if (!socket?.connected) return { ok: false, error: 'Not connected to the camera gateway.' };
    try {
      return await send(socket.timeout(ACK_TIMEOUT_MS));
    } catch {
      return { ok: false, error: 'The camera gateway did not answer.' };
    }
  }

  private open(): void {
    const gateway = this.options.gateway();
    const socket: CamgateSocket = io(gateway.origin, {
      path: `${gateway.pathname}socket.io`,
      // Same-origin pages send the session cookie anyway; an embedding site needs none
      // (call:watch works by Call-ID), and credentialed CORS would demand more of the gateway.
      withCredentials: false,
    });
    for (const [event, listener] of Object.entries(this.options.listeners)) {
      socket.on(event as keyof ServerToClientEvents, listener as never);
    }
    socket.on('connect', () => {
      this.setState('connected');
      this.options.onConnect?.();
    });
    socket.on('disconnect', () => this.setState(socket.active ? 'connecting' : 'disconnected'));
    socket.on('connect_error', () => this.setState(socket.active ? 'connecting' : 'disconnected'));
    this.#socket = socket;
    this.setState('connecting');
  }

  private setState(state: SocketState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.requestUpdate();
  }
}
