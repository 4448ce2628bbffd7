/**
 * Records an audio message from the microphone: MediaRecorder captures (Opus/WebM), the
 * browser's decoder turns it into samples, and it is re-encoded as 16-bit mono WAV, the
 * one format the gateway's message store takes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { downmix, encodeWav } from '../services/wav-encoder.ts';

export type RecorderState = 'idle' | 'recording' | 'encoding';

export class RecorderError extends Error {
  override name = 'RecorderError';
}

export class RecorderController implements ReactiveController {
  state: RecorderState = 'idle';
  startedAt = 0;
  #recorder: MediaRecorder | null = null;
  #stream: MediaStream | null = null;
  #chunks: Blob[] = [];

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    try {
      this.#stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch {
      throw new RecorderError('The microphone was refused. Allow this page to use the microphone to record.');
    }
    this.#chunks = [];
    this.#recorder = new MediaRecorder(this.#stream);
    this.#recorder.addEventListener('dataavailable', (event) => this.#chunks.push(event.data));
    this.#recorder.start();
    this.startedAt = Date.now();
    this.setState('recording');
  }

  /** Stops recording and returns the recording as a WAV file. */
  async stop(): Promise<Blob> {
    const recorder = this.#recorder;
    if (this.state !== 'recording' || !recorder) throw new RecorderError('Nothing is being recorded.');
    this.setState('encoding');
    try {
      const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
      recorder.stop();
      await stopped;
      const recorded = new Blob(this.#chunks, { type: recorder.mimeType });
      const context = new AudioContext();
      try {
        const audio = await context.decodeAudioData(await recorded.arrayBuffer());
        const channels = Array.from({ length: audio.numberOfChannels }, (_, i) => audio.getChannelData(i));
        return encodeWav(downmix(channels), audio.sampleRate);
      } catch {
        throw new RecorderError('The recording could not be decoded.');
      } finally {
        void context.close();
      }
    } finally {
      this.release();
      this.setState('idle');
    }
  }

  hostDisconnected(): void {
    if (this.#recorder?.state === 'recording') this.#recorder.stop();
    this.release();
    this.state = 'idle';
  }

  private release(): void {
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#recorder = null;
    this.#chunks = [];
  }

  private setState(state: RecorderState): void {
    this.state = state;
    this.host.requestUpdate();
  }
}
