/**
 * Body of one audio thread (AudioThreadPool): the camera's audio engine for the calls the
 * pool gives it. Each call's RTP goes between sockets of this thread and the SIP phone
 * itself (its port pair: strict RTP, RFC 4733, RTCP) or, for WebRTC legs, the call's
 * mediasoup PlainTransport: jitter buffer, codec, CallAudio (in-band DTMF, prompts,
 * microphone, speaker, intercom) all run here, on this thread's own 20 ms clock. The main
 * thread gets the calls' events once per tick, in one message.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';

import { CallAudio } from '../../audio/call-audio.ts';
import { SimulatedMicrophone } from '../../audio/device/microphone.ts';
import { SimulatedSpeaker } from '../../audio/device/speaker.ts';
import type { VoiceOptions } from '../../audio/speech/espeak-tts.ts';
import { PhraseCache } from '../../audio/speech/phrase-cache.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger, type LogFormat } from '../../core/logger.ts';
import { setEmitterLogger } from '../../core/typed-emitter.ts';
import { FrameTicker } from '../frame-ticker.ts';
import { CallRtp } from '../call-rtp.ts';
import { RtpPortBusyError } from '../rtp-audio-engine.ts';
import type { AudioThreadData, FromAudioThread, ThreadCallEvent, ThreadCallOptions, ToAudioThread } from './thread-messages.ts';

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

/** One call in this thread: its engine and its RTP. */
class ThreadCall {
  readonly audio: CallAudio;
  readonly rtp: CallRtp;

  constructor(callId: string, options: ThreadCallOptions) {
    const audio = new CallAudio({ callId, microphone, speaker, phrases, logger, ...options });
    this.audio = audio;
    this.rtp = new CallRtp({ callId, logger, clock: systemClock, ticker, audio });
    audio.on('dtmf', (key) => emit({ callId, type: 'dtmf', key }));
    audio.on('level', (levels) => emit({ callId, type: 'level', levels }));
    audio.on('intercom', (direction) => emit({ callId, type: 'intercom', direction }));
    audio.on('prompt-started', (info) => emit({ callId, type: 'prompt-started', info }));
    audio.on('prompt-ended', (info, outcome) => emit({ callId, type: 'prompt-ended', info, outcome }));
  }

  async close(): Promise<void> {
    this.rtp.close();
    await this.audio.close();
  }
}

/** Answers a request of the main thread once its promise settles. */
function reply(requestId: number, outcome: Promise<number | undefined>): void {
  outcome.then(
    (port) => post({ type: 'replied', requestId, ...(port !== undefined && { port }) }),
    (error: unknown) => post({ type: 'replied', requestId, error: String(error), ...(error instanceof RtpPortBusyError && { busy: true }) }),
  );
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
    if (message.type === 'connect' || message.type === 'phone-open') post({ type: 'replied', requestId: message.requestId, error: `call ${message.callId} is closed` });
    return;
  }
  switch (message.type) {
    case 'connect':
      reply(message.requestId, call.rtp.connectMediasoup(message.connection, (event) => emit({ callId: message.callId, type: 'rtp', event })));
      return;
    case 'phone-open':
      reply(message.requestId, call.rtp.openPhone(message.request, (event) => emit({ callId: message.callId, type: 'rtp', event })).then(() => undefined));
      return;
    case 'phone-config':
      call.rtp.configurePhone(message.config);
      return;
    case 'phone-confirm':
      call.rtp.confirmPhone();
      return;
    case 'phone-dtmf':
      call.rtp.sendPhoneDtmf(message.key);
      return;
    case 'disconnect':
      call.rtp.disconnect();
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
