/**
 * Body of one audio thread (AudioThreadPool): the camera's audio engine for the calls the
 * pool gives it. Each call's RTP goes between its mediasoup PlainTransport and a socket of
 * this thread: jitter buffer, codec, CallAudio (in-band DTMF, prompts, microphone, speaker,
 * intercom) all run here, on this thread's own 20 ms clock. The main thread gets the calls'
 * events once per tick, in one message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parentPort, threadId, workerData } from 'node:worker_threads';

import { CallAudio } from '../../audio/call-audio.ts';
import type { RtpAudioConnection } from '../../audio/contracts.ts';
import { SimulatedMicrophone } from '../../audio/device/microphone.ts';
import { SimulatedSpeaker } from '../../audio/device/speaker.ts';
import type { VoiceOptions } from '../../audio/speech/espeak-tts.ts';
import { PhraseCache } from '../../audio/speech/phrase-cache.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger, type LogFormat } from '../../core/logger.ts';
import { setEmitterLogger } from '../../core/typed-emitter.ts';
import { FrameTicker } from '../frame-ticker.ts';
import { RtpAudioPath } from '../rtp-audio-path.ts';
import type { AudioThreadData, FromAudioThread, ThreadCallEvent, ThreadCallOptions, ToAudioThread } from './thread-messages.ts';

const LOOPBACK = '127.0.0.1';
/** Caller audio is reported at most this often: it only keeps the call's RTP timeout (seconds) from firing. */
const CALLER_AUDIO_REPORT_MS = 1000;

const data = workerData as AudioThreadData & { logFormat: LogFormat };
const port = parentPort!;
const logger = createLogger(data.logLevel, data.logFormat).child({ component: 'audio-thread', threadId });
setEmitterLogger(logger);
const ticker = new FrameTicker({ logger });
const microphone = new SimulatedMicrophone({ clock: systemClock, epoch: data.microphoneEpoch, ...(data.microphoneWav && { wavPath: data.microphoneWav }) });
const speaker = new SimulatedSpeaker(data.dataDir, Date.now, data.speakerState);

// Phrases are rendered once, by the main thread's cache; this thread keeps what it was given.
const renders = new Map<number, { resolve: (samples: Int16Array) => void; reject: (error: Error) => void }>();
let nextRender = 0;
const phrases = new PhraseCache({
  synthesize: (text: string, voice?: VoiceOptions) =>
    new Promise<Int16Array>((resolve, reject) => {
      const requestId = ++nextRender;
      renders.set(requestId, { resolve, reject });
      post({ type: 'render', requestId, text, ...(voice && { voice }) });
    }),
});

let batch: ThreadCallEvent[] = [];

function post(message: FromAudioThread): void {
  port.postMessage(message);
}

/** Queues a call's event; everything queued while the tick (or a message) runs goes out in one message. */
function emit(event: ThreadCallEvent): void {
  if (batch.length === 0) queueMicrotask(flush);
  batch.push(event);
}

function flush(): void {
  const events = batch;
  batch = [];
  if (events.length > 0) post({ type: 'events', events });
}

/** One call in this thread: its engine and, once linked, its RTP socket. */
class ThreadCall {
  readonly audio: CallAudio;
  readonly #callId: string;
  #socket: Socket | undefined;
  #path: RtpAudioPath | undefined;
  #removeTick: (() => void) | undefined;
  #reportedAt = Number.NEGATIVE_INFINITY;

  constructor(callId: string, options: ThreadCallOptions) {
    this.#callId = callId;
    const audio = new CallAudio({ callId, microphone, speaker, phrases, logger, ...options });
    this.audio = audio;
    audio.on('dtmf', (key) => emit({ callId, type: 'dtmf', key }));
    audio.on('level', (levels) => emit({ callId, type: 'level', levels }));
    audio.on('intercom', (direction) => emit({ callId, type: 'intercom', direction }));
    audio.on('prompt-started', (info) => emit({ callId, type: 'prompt-started', info }));
    audio.on('prompt-ended', (info, outcome) => emit({ callId, type: 'prompt-ended', info, outcome }));
  }

  async connect(connection: RtpAudioConnection): Promise<number> {
    this.disconnect();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, LOOPBACK, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const path = new RtpAudioPath({ ...connection, audio: this.audio });
    this.#socket = socket;
    this.#path = path;
    socket.on('error', (error) => logger.warn({ callId: this.#callId, err: error }, 'audio thread socket error'));
    socket.on('message', (datagram) => {
      if (path.receive(datagram)) this.#heardCaller();
    });
    const send = (packet: Buffer) => socket.send(packet, connection.mediasoupPort, LOOPBACK);
    this.#removeTick = ticker.add((frame) => send(path.tick(frame)), { callId: this.#callId });
    return socket.address().port;
  }

  disconnect(): void {
    this.#removeTick?.();
    this.#removeTick = undefined;
    this.#socket?.close();
    this.#socket = undefined;
    this.#path?.close();
    this.#path = undefined;
  }

  async close(): Promise<void> {
    this.disconnect();
    await this.audio.close();
  }

  #heardCaller(): void {
    const now = performance.now();
    if (now - this.#reportedAt < CALLER_AUDIO_REPORT_MS) return;
    this.#reportedAt = now;
    emit({ callId: this.#callId, type: 'caller-audio' });
  }
}

const calls = new Map<string, ThreadCall>();

function handle(message: ToAudioThread): void {
  if (message.type === 'rendered') {
    const render = renders.get(message.requestId);
    renders.delete(message.requestId);
    if (message.samples) render?.resolve(message.samples);
    else render?.reject(new Error(message.error ?? 'rendering failed'));
    return;
  }
  if (message.type === 'open') {
    if (!calls.has(message.callId)) calls.set(message.callId, new ThreadCall(message.callId, message.options));
    return;
  }
  const call = calls.get(message.callId);
  if (!call) {
    if (message.type === 'connect') post({ type: 'connected', requestId: message.requestId, error: `call ${message.callId} is closed` });
    return;
  }
  switch (message.type) {
    case 'connect':
      call.connect(message.connection).then(
        (rtpPort) => post({ type: 'connected', requestId: message.requestId, port: rtpPort }),
        (error: unknown) => post({ type: 'connected', requestId: message.requestId, error: String(error) }),
      );
      return;
    case 'disconnect':
      call.disconnect();
      return;
    case 'mode':
      call.audio.setMode(message.mode);
      return;
    case 'intercom':
      call.audio.setIntercom(message.settings);
      return;
    case 'inband-dtmf':
      call.audio.setInbandDtmf(message.enabled);
      return;
    case 'play':
      call.audio.play(message.prompt).then((outcome) => emit({ callId: message.callId, type: 'played', playId: message.playId, outcome }));
      return;
    case 'interrupt':
      call.audio.interrupt();
      return;
    case 'close':
      calls.delete(message.callId);
      call.close().finally(() => emit({ callId: message.callId, type: 'closed' }));
      return;
  }
}

port.on('message', (message: ToAudioThread) => {
  try {
    handle(message);
  } catch (error) {
    // One call's bad request must not take the other calls of this thread down.
    logger.error({ err: error, type: message.type }, 'audio thread request failed');
  }
});
