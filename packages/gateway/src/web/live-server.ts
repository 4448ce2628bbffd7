import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  AudioModeSchema,
  type CameraStatus,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@camgate/protocol';
import type { Camera } from '../camera/camera.ts';
import type { Logger } from '../core/logger.ts';
import { readCookie, SESSION_COOKIE, type AdminSessions } from './admin-sessions.ts';

type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
const ADMIN_ROOM = 'admin';
const callRoom = (callId: string) => `call:${callId}`;

export interface LiveServerOptions {
  http: HttpServer;
  camera: Camera;
  sessions: AdminSessions;
  logger: Logger;
  status(): CameraStatus;
  /** Origins allowed to connect (the embedding pages); the gateway's own origin always is. */
  corsOrigin: boolean | string[];
}

/**
 * Live camera state over socket.io with the typed event maps of packages/protocol.
 * Admin sockets see everything; any socket may follow one call by its SIP Call-ID (which
 * only that call's parties know) to get its captions and updates and switch its audio mode.
 */
export class LiveServer {
  readonly #io: Server<ClientToServerEvents, ServerToClientEvents>;

  constructor(private readonly o: LiveServerOptions) {
    this.#io = new Server(o.http, { serveClient: false, cors: { origin: o.corsOrigin, credentials: true } });
    this.#io.on('connection', (socket) => this.#onConnection(socket));
    const { camera } = o;
    const admin = () => this.#io.to(ADMIN_ROOM);
    camera.on('led', (led) => admin().emit('led', led));
    camera.on('output', (output) => admin().emit('output', output));
    camera.on('event', (event) => admin().emit('event', event));
    camera.on('last-caller', (last) => admin().emit('last-caller', last));
    camera.on('call:update', (call) => this.#io.to([ADMIN_ROOM, callRoom(call.callId)]).emit('call:update', call));
    camera.on('call:ended', (call) => this.#io.to([ADMIN_ROOM, callRoom(call.callId)]).emit('call:ended', call));
    camera.on('caption', (caption) => this.#io.to([ADMIN_ROOM, callRoom(caption.callId)]).emit('caption', caption));
    camera.on('settings', () => this.broadcastStatus());
  }

  /** Sends the full status to every admin (after changes that are not events of their own). */
  broadcastStatus(): void {
    this.#io.to(ADMIN_ROOM).emit('status', this.o.status());
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#io.close(() => resolve());
    });
  }

  #onConnection(socket: LiveSocket): void {
    const admin = this.o.sessions.verify(readCookie(socket.handshake.headers.cookie, SESSION_COOKIE));
    if (admin) {
      void socket.join(ADMIN_ROOM);
      socket.emit('status', this.o.status());
    }
    socket.on('call:watch', (callId, ack) => {
      if (typeof ack !== 'function') return;
      const call = typeof callId === 'string' ? this.o.camera.call(callId) : undefined;
      if (!call) return ack({ ok: false, error: 'no such call' });
      void socket.join(callRoom(callId));
      socket.emit('call:update', call.info);
      ack({ ok: true });
    });
    socket.on('call:audio-mode', (request, ack) => {
      if (typeof ack !== 'function') return;
      const mode = AudioModeSchema.safeParse(request?.mode);
      const callId = request?.callId;
      const call = typeof callId === 'string' ? this.o.camera.call(callId) : undefined;
      if (!mode.success || !call) return ack({ ok: false, error: !call ? 'no such call' : 'unknown audio mode' });
      if (!admin && !socket.rooms.has(callRoom(call.callId))) return ack({ ok: false, error: 'watch the call first' });
      try {
        call.setAudioMode(mode.data);
        ack({ ok: true });
      } catch (error) {
        ack({ ok: false, error: (error as Error).message });
      }
    });
  }
}
