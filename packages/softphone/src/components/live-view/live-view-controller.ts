/**
 * The live view's media side: a mediasoup-client Device over the page's socket.io
 * connection. Joins (receive transport), consumes the camera's video while it runs, and
 * follows 'video:state' so the picture comes back by itself after the source restarts;
 * a lost transport (gateway media restart, socket reconnect) is joined again.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Device, types } from 'mediasoup-client';
import type { DtlsParametersWire, VideoStatus } from '@camgate/protocol';
import type { CamgateSocket } from '../../controllers/socket-controller.ts';

export type LiveViewState =
  | { state: 'idle' }
  | { state: 'connecting' }
  | { state: 'playing' }
  | { state: 'unavailable'; reason: string };

const ACK_TIMEOUT_MS = 8000;
/** Before joining again after a failure (the gateway may be restarting its media). */
const REJOIN_DELAY_MS = 2000;

export class LiveViewController implements ReactiveController {
  state: LiveViewState = { state: 'idle' };
  /** The camera to watch (its id); set before the socket. */
  cameraId = 'camera';
  /** The camera's video while playing. */
  stream: MediaStream | null = null;
  #socket: CamgateSocket | null = null;
  #device: Device | null = null;
  #transport: types.Transport | null = null;
  #consumer: types.Consumer | null = null;
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every teardown: answers to an older join are ignored. */
  #generation = 0;
  #consuming = false;
  /** The newest video state: 'video:state' events that overtake a join's transport set-up are kept here. */
  #status: VideoStatus | null = null;
  readonly #listeners = {
    connect: () => void this.#join(),
    disconnect: () => this.#teardown({ state: 'connecting' }),
    'video:state': (status: VideoStatus) => this.#onStatus(status),
    'video:ended': (reason: string) => this.#rejoinLater(reason),
  };

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Watches through `socket` (null stops watching); the page's socket changes on sign-in. */
  setSocket(socket: CamgateSocket | null): void {
    if (socket === this.#socket) return;
    this.#unbind();
    this.#socket = socket;
    if (!socket) return;
    for (const [event, listener] of Object.entries(this.#listeners)) socket.on(event as 'connect', listener as () => void);
    if (socket.connected) void this.#join();
    else this.#set({ state: 'connecting' });
  }

  hostDisconnected(): void {
    this.#unbind();
  }

  #unbind(): void {
    const socket = this.#socket;
    if (!socket) return;
    for (const [event, listener] of Object.entries(this.#listeners)) socket.off(event as 'connect', listener as () => void);
    if (socket.connected) socket.emit('video:leave');
    this.#socket = null;
    this.#teardown({ state: 'idle' });
  }

  async #join(): Promise<void> {
    this.#teardown({ state: 'connecting' });
    const socket = this.#socket;
    if (!socket?.connected) return;
    const generation = this.#generation;
    try {
      const joined = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('video:join', { cameraId: this.cameraId });
      if (generation !== this.#generation) return;
      // Refused (all places taken, media restarting): shown, and asked again a little later.
      if (!joined.ok) return this.#rejoinLater(joined.error);
      // Events after the ack are newer than the ack's status.
      this.#status = joined.status;
      const device = new Device();
      await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as types.RtpCapabilities });
      const transport = device.createRecvTransport(joined.transport as types.TransportOptions);
      transport.on('connect', ({ dtlsParameters }, callback, errback) => {
        socket
          .timeout(ACK_TIMEOUT_MS)
          .emitWithAck('video:connect', { dtlsParameters: dtlsParameters as DtlsParametersWire })
          .then((result) => (result.ok ? callback() : errback(new Error(result.error))), errback);
      });
      transport.on('connectionstatechange', (state) => {
        if ((state === 'failed' || state === 'closed') && generation === this.#generation) this.#rejoinLater(`connection ${state}`);
      });
      this.#device = device;
      this.#transport = transport;
      this.#onStatus(this.#status);
    } catch (error) {
      if (generation === this.#generation) this.#rejoinLater(errorText(error));
    }
  }

  #onStatus(status: VideoStatus | null): void {
    this.#status = status;
    if (!this.#transport || !status) return;
    if (status.state === 'running') {
      if (!this.#consumer) void this.#consume();
      return;
    }
    this.#closeConsumer();
    this.#set(status.state === 'starting' ? { state: 'connecting' } : { state: 'unavailable', reason: status.reason ?? status.state });
  }

  async #consume(): Promise<void> {
    const socket = this.#socket;
    const device = this.#device;
    const transport = this.#transport;
    if (!socket || !device || !transport || this.#consuming) return;
    this.#consuming = true;
    const generation = this.#generation;
    try {
      const result = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('video:consume', { rtpCapabilities: device.rtpCapabilities });
      if (generation !== this.#generation) return;
      // The source went down in between: its next 'video:state' brings us back.
      if (!result.ok) return this.#set({ state: 'unavailable', reason: result.error.replace(/^video unavailable: /, '') });
      const consumer = await transport.consume(result.consumer as types.ConsumerOptions);
      if (generation !== this.#generation) return consumer.close();
      this.#consumer = consumer;
      this.stream = new MediaStream([consumer.track]);
      const resumed = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('video:resume', {});
      if (!resumed.ok) throw new Error(resumed.error);
      this.#set({ state: 'playing' });
    } catch (error) {
      if (generation === this.#generation) this.#rejoinLater(errorText(error));
    } finally {
      this.#consuming = false;
    }
  }

  #closeConsumer(): void {
    this.#consumer?.close();
    this.#consumer = null;
    this.stream = null;
  }

  #teardown(next: LiveViewState): void {
    this.#generation++;
    clearTimeout(this.#rejoinTimer);
    this.#closeConsumer();
    this.#transport?.close();
    this.#transport = null;
    this.#device = null;
    this.#set(next);
  }

  #rejoinLater(reason: string): void {
    this.#teardown({ state: 'unavailable', reason });
    this.#rejoinTimer = setTimeout(() => void this.#join(), REJOIN_DELAY_MS);
  }

  #set(state: LiveViewState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
