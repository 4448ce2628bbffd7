import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import {
  LiveEventSchemas,
  type Ack,
  type AudioMode,
  type CallInfo,
  type CameraStatus,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@camgate/protocol';
import type { ZodType } from 'zod';
import type { Camera } from '../camera/camera.ts';
import type { Logger } from '../core/logger.ts';
import { readCookie, SESSION_COOKIE, type AdminSessions } from './admin-sessions.ts';
import { isSameOrigin } from './origin-policy.ts';

interface SocketData {
  /** The signed-in admin, for a connection from our origin with a valid session cookie. */
  admin: string | undefined;
  address: string;
}
/** Between gateways (socket.io adapter): an admin on one node switches the audio mode of a call another node runs. */
interface ServerSideEvents {
  'call:audio-mode': (request: { callId: string; mode: AudioMode }, ack: (applied: boolean) => void) => void;
}
export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
const ADMIN_ROOM = 'admin';
const callRoom = (callId: string) => `call:${callId}`;
/** Admins watching one camera: its status and events go to this room only. */
const cameraRoom = (cameraId: string) => `camera:${cameraId}`;

/** A camera as the live server sees it: its events, its calls by SIP Call-ID, its status. */
export interface LiveCamera {
  readonly id: string;
  readonly camera: Pick<Camera, 'on' | 'call'>;
  status(): CameraStatus;
}

/** Connections without an admin session, all together and from one address. */
export const LIVE_LIMITS = { maxAnonymous: 1000, maxAnonymousPerAddress: 20 } as const;
export type LiveLimits = { maxAnonymous: number; maxAnonymousPerAddress: number };
/** The browser's events are a Call-ID and a mode: anything larger is refused by socket.io. */
const MAX_LIVE_MESSAGE_BYTES = 16 * 1024;
/** How long an admin's request for a call on another gateway waits for its answer. */
const REMOTE_ANSWER_MS = 3000;
/** A connection that has not joined within this is closed (socket.io's default is 45 s; clients join at once). */
const LIVE_CONNECT_TIMEOUT_MS = 10_000;

export interface LiveServerOptions {
  http: HttpServer;
  /** The running cameras by id (added with attachCamera as they start). */
  cameras: { get(id: string): LiveCamera | undefined; list(): LiveCamera[] };
  sessions: AdminSessions;
  logger: Logger;
  limits?: LiveLimits;
  /** Adds more events to each new socket (the live view), knowing whether it is an admin's. */
  onSocket?(socket: LiveSocket, admin: boolean): void;
  /** Several gateways: the socket.io adapter that carries room broadcasts to every node's sockets (Redis). */
  adapter?: ServerOptions['adapter'];
}

/**
 * Live camera state over socket.io with the typed event maps of packages/protocol.
 * Admin sockets (session cookie, from the gateway's own origin) see the cameras they watch
 * (`camera:watch`, one socket.io room per camera; every event names its camera); any socket,
 * from any page, may follow one browser call by its SIP Call-ID (JsSIP makes it random, and
 * only the call's parties know it) to get its captions and updates and switch its audio
 * mode. Calls of SIP phones are not offered this way: some phones' Call-IDs are guessable.
 */
export class LiveServer {
  readonly #io: Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
  readonly #limits: LiveLimits;
  /** Anonymous connections per source address (their sum is the global count). */
  readonly #anonymous = new Map<string, number>();
  #anonymousTotal = 0;

  constructor(private readonly o: LiveServerOptions) {
    this.#limits = o.limits ?? LIVE_LIMITS;
    // Any page may connect (the embedded softphone), but never with credentials: the admin
    // cookie counts only on connections from our own origin (see #admit).
    this.#io = new Server(o.http, {
      serveClient: false,
      cors: { origin: true, credentials: false },
      maxHttpBufferSize: MAX_LIVE_MESSAGE_BYTES,
      connectTimeout: LIVE_CONNECT_TIMEOUT_MS,
      ...(o.adapter && { adapter: o.adapter }),
    });
    this.#io.use(async (socket, next) => {
      try {
        await this.#admit(socket);
        next();
      } catch (error) {
        // The client gets a connect_error with this message; nothing escapes the handshake.
        next(new Error((error as Error).message));
        // A refused client holds no connection: closed once the error is written.
        setImmediate(() => socket.conn.close());
      }
    });
    this.#io.on('connection', (socket) => this.#onConnection(socket));
    // Another gateway's admin asks: the node that runs the call switches it (checked like any input).
    this.#io.on('call:audio-mode', (request, ack) => {
      const parsed = LiveEventSchemas['call:audio-mode'].safeParse(request);
      const call = parsed.success ? this.#localCall(parsed.data.callId)?.call : undefined;
      if (parsed.success && call) call.setAudioMode(parsed.data.mode);
      if (typeof ack === 'function') ack(call !== undefined);
    });
  }

  /** A call this node runs, with its camera's id. */
  #localCall(callId: string) {
    for (const live of this.o.cameras.list()) {
      const call = live.camera.call(callId);
      if (call) return { call, cameraId: live.id };
    }
    return undefined;
  }

  /** Asks the other gateways to switch a call's audio mode; true once the one running it did (false after REMOTE_ANSWER_MS). */
  #audioModeElsewhere(request: { callId: string; mode: AudioMode }): Promise<boolean> {
    return new Promise((resolve) => {
      // The adapter never answers while Redis is away: our own bound.
      const timer = setTimeout(() => resolve(false), REMOTE_ANSWER_MS);
      this.#io.serverSideEmit('call:audio-mode', request, (_timedOut, applied) => {
        clearTimeout(timer);
        resolve(applied.some(Boolean));
      });
    });
  }

  /** Forwards a started camera's events to its watchers (the camera drops the listeners when it closes). */
  attachCamera(live: LiveCamera): void {
    const { camera, id } = live;
    const watchers = () => this.#io.to(cameraRoom(id));
    const andCall = (callId: string) => this.#io.to([cameraRoom(id), callRoom(callId)]);
    // LEDs and outputs as the status shows them: merged with other gateways' calls of this camera.
    camera.on('led', () => watchers().emit('led', id, live.status().led));
    camera.on('output', (output) => watchers().emit('output', id, live.status().outputs.find((merged) => merged.name === output.name) ?? output));
    camera.on('event', (event) => watchers().emit('event', id, event));
    camera.on('last-caller', (last) => watchers().emit('last-caller', id, last));
    camera.on('call:update', (call) => andCall(call.callId).emit('call:update', id, call));
    camera.on('call:ended', (call) => andCall(call.callId).emit('call:ended', id, call));
    camera.on('caption', (caption) => andCall(caption.callId).emit('caption', id, caption));
    camera.on('settings', () => this.broadcastStatus(id));
  }

  /**
   * Sends a camera's full status, as this node sees it, to this node's own watchers (after
   * changes that are not events of their own). Never to other nodes' watchers: their page
   * shows their node's status (its warnings, its merged calls), and other nodes' changes
   * reach every node by themselves (shared live state, settings).
   */
  broadcastStatus(cameraId: string): void {
    const live = this.o.cameras.get(cameraId);
    if (live) this.#io.local.to(cameraRoom(cameraId)).emit('status', live.status());
  }

  /** broadcastStatus of several cameras. */
  refreshStatus(cameraIds: readonly string[]): void {
    for (const id of cameraIds) this.broadcastStatus(id);
  }

  /** Tells every admin that cameras were added, renamed or removed; a removed camera's watchers leave its room. */
  camerasChanged(removed?: string): void {
    if (removed !== undefined) this.#io.in(cameraRoom(removed)).socketsLeave(cameraRoom(removed));
    this.#io.to(ADMIN_ROOM).emit('cameras');
  }

  /**
   * Ends every socket.io connection. Not io.close(): that also closes the HTTP server and waits
   * for every connection on it, SIP WebSockets included; the gateway closes the server itself,
   * after SIP.
   */
  close(): void {
    // Local: with an adapter, a plain disconnectSockets would end every node's connections.
    this.#io.local.disconnectSockets(true);
    this.#io.engine.close();
  }

  get anonymousCount(): number {
    return this.#anonymousTotal;
  }

  /** Handshake check: who the socket is, and room for one more anonymous connection. Throws a reason to refuse. */
  async #admit(socket: LiveSocket): Promise<void> {
    const { headers, address } = socket.handshake;
    // A same-site page on another port sends the SameSite=Strict cookie on the WebSocket handshake too.
    const admin = isSameOrigin(headers) ? await this.o.sessions.verify(readCookie(headers.cookie, SESSION_COOKIE)) : undefined;
    socket.data.admin = admin;
    socket.data.address = address;
    if (admin) return;
    const fromAddress = this.#anonymous.get(address) ?? 0;
    if (this.#anonymousTotal >= this.#limits.maxAnonymous) throw new Error('too many connections to the camera; try again later');
    if (fromAddress >= this.#limits.maxAnonymousPerAddress) throw new Error('too many connections from this address');
    this.#anonymous.set(address, fromAddress + 1);
    this.#anonymousTotal += 1;
    socket.once('disconnect', () => {
      this.#anonymousTotal -= 1;
      const left = (this.#anonymous.get(address) ?? 1) - 1;
      if (left > 0) this.#anonymous.set(address, left);
      else this.#anonymous.delete(address);
    });
  }

  #onConnection(socket: LiveSocket): void {
    const { admin } = socket.data;
    if (admin) void socket.join(ADMIN_ROOM);
    this.#handle(socket, 'camera:watch', (cameraId, ack) => {
      if (!admin) return ack({ ok: false, error: 'sign in as admin to watch a camera' });
      const live = this.o.cameras.get(cameraId);
      if (!live) return ack({ ok: false, error: `no camera "${cameraId}"` });
      void socket.join(cameraRoom(cameraId));
      socket.emit('status', live.status());
      ack({ ok: true });
    });
    this.#handle(socket, 'camera:unwatch', (cameraId, ack) => {
      void socket.leave(cameraRoom(cameraId));
      ack({ ok: true });
    });
    /** The call `callId` names, with its camera's id, if this socket may follow it. */
    const followable = (callId: string) => {
      const found = this.#localCall(callId);
      return found && (admin || isBrowserCall(found.call.info)) ? found : undefined;
    };
    /** An admin may follow a call another gateway answered (its updates come through the adapter). */
    const elsewhere = (callId: string) => {
      if (!admin) return undefined;
      for (const live of this.o.cameras.list()) {
        const info = live.status().calls.find((call) => call.callId === callId);
        if (info) return { info, cameraId: live.id };
      }
      return undefined;
    };
    this.#handle(socket, 'call:watch', (callId, ack) => {
      const found = followable(callId);
      const remote = found ? undefined : elsewhere(callId);
      // A phone's call answers like a missing one: no oracle for guessed Call-IDs.
      if (!found && !remote) return ack({ ok: false, error: 'no such call' });
      void socket.join(callRoom(callId));
      if (remote) socket.emit('call:update', remote.cameraId, remote.info);
      if (found) {
        socket.emit('call:update', found.cameraId, found.call.info);
        // Said before this socket joined (its watch races the INVITE): the client drops repeats.
        for (const caption of found.call.recentCaptions) socket.emit('caption', found.cameraId, caption);
      }
      ack({ ok: true });
    });
    this.#handle(socket, 'call:audio-mode', (request, ack) => {
      const call = followable(request.callId)?.call;
      if (!call && admin) {
        void this.#audioModeElsewhere(request).then((applied) => ack(applied ? { ok: true } : { ok: false, error: 'no such call' }));
        return;
      }
      if (!call) return ack({ ok: false, error: 'no such call' });
      if (!admin && !socket.rooms.has(callRoom(call.callId))) return ack({ ok: false, error: 'watch the call first' });
      call.setAudioMode(request.mode);
      ack({ ok: true });
    });
    this.o.onSocket?.(socket, admin !== undefined);
  }

  /**
   * Registers a client event whose payload is checked against its zod schema: a bad payload
   * gets an error ack naming the field, and an exception in the handler becomes an error ack
   * too (never an exception out of socket.io's dispatch).
   */
  #handle<E extends keyof typeof LiveEventSchemas>(
    socket: LiveSocket,
    event: E,
    handler: (payload: (typeof LiveEventSchemas)[E] extends ZodType<infer T> ? T : never, ack: Ack) => void,
  ): void {
    const schema = LiveEventSchemas[event] as ZodType;
    // socket.io types the listener by the event map; the payload here is deliberately unknown.
    const untyped = socket as unknown as { on(event: string, listener: (payload: unknown, ack: unknown) => void): void };
    untyped.on(event, (payload, ack) => {
      // Without an ack function there is nobody to answer: the event is ignored.
      if (typeof ack !== 'function') return;
      const reply = ack as Ack;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return reply({ ok: false, error: `${issue.path.length ? issue.path.join('.') : 'payload'}: ${issue.message}` });
      }
      try {
        handler(parsed.data as Parameters<typeof handler>[0], reply);
      } catch (error) {
        this.o.logger.warn({ err: error, event, address: socket.data.address }, 'live event failed');
        reply({ ok: false, error: (error as Error).message });
      }
    });
  }
}

function isBrowserCall(call: CallInfo): boolean {
  return call.transport === 'ws' || call.transport === 'wss';
}
