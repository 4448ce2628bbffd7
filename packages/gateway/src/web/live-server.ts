import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  AudioModeSchema,
  type CallInfo,
  type CameraStatus,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@camgate/protocol';
import type { Camera } from '../camera/camera.ts';
import { readCookie, SESSION_COOKIE, type AdminSessions } from './admin-sessions.ts';
import { isSameOrigin } from './origin-policy.ts';

export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
const ADMIN_ROOM = 'admin';
const callRoom = (callId: string) => `call:${callId}`;

export interface LiveServerOptions {
  http: HttpServer;
  /** The camera's events, and its calls by SIP Call-ID. */
  camera: Pick<Camera, 'on' | 'call'>;
  sessions: AdminSessions;
  status(): CameraStatus;
  /** Adds more events to each new socket (the live view), knowing whether it is an admin's. */
  onSocket?(socket: LiveSocket, admin: boolean): void;
}

/**
 * Live camera state over socket.io with the typed event maps of packages/protocol.
 * Admin sockets (session cookie, from the gateway's own origin) see everything; any socket,
 * from any page, may follow one browser call by its SIP Call-ID (JsSIP makes it random, and
 * only the call's parties know it) to get its captions and updates and switch its audio
 * mode. Calls of SIP phones are not offered this way: some phones' Call-IDs are guessable.
 */
export class LiveServer {
  readonly #io: Server<ClientToServerEvents, ServerToClientEvents>;

  constructor(private readonly o: LiveServerOptions) {
    // Any page may connect (the embedded softphone), but never with credentials: the admin
    // cookie counts only on connections from our own origin (see #onConnection).
    this.#io = new Server(o.http, { serveClient: false, cors: { origin: true, credentials: false } });
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
    // A same-site page on another port sends the SameSite=Strict cookie on the WebSocket handshake too.
    const { headers } = socket.handshake;
    const admin = isSameOrigin(headers) ? this.o.sessions.verify(readCookie(headers.cookie, SESSION_COOKIE)) : undefined;
    if (admin) {
      void socket.join(ADMIN_ROOM);
      socket.emit('status', this.o.status());
    }
    /** The call `callId` names, if this socket may follow it. */
    const followable = (callId: unknown) => {
      const call = typeof callId === 'string' ? this.o.camera.call(callId) : undefined;
      return call && (admin || isBrowserCall(call.info)) ? call : undefined;
    };
    socket.on('call:watch', (callId, ack) => {
      if (typeof ack !== 'function') return;
      const call = followable(callId);
      // A phone's call answers like a missing one: no oracle for guessed Call-IDs.
      if (!call) return ack({ ok: false, error: 'no such call' });
      void socket.join(callRoom(callId));
      socket.emit('call:update', call.info);
      ack({ ok: true });
    });
    socket.on('call:audio-mode', (request, ack) => {
      if (typeof ack !== 'function') return;
      const mode = AudioModeSchema.safeParse(request?.mode);
      const call = followable(request?.callId);
      if (!mode.success || !call) return ack({ ok: false, error: !call ? 'no such call' : 'unknown audio mode' });
      if (!admin && !socket.rooms.has(callRoom(call.callId))) return ack({ ok: false, error: 'watch the call first' });
      try {
        call.setAudioMode(mode.data);
        ack({ ok: true });
      } catch (error) {
        ack({ ok: false, error: (error as Error).message });
      }
    });
    this.o.onSocket?.(socket, admin !== undefined);
  }
}

function isBrowserCall(call: CallInfo): boolean {
  return call.transport === 'ws' || call.transport === 'wss';
}
