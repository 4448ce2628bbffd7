/**
 * Measures two audio streams with WebAudio analysers: the microphone (for the level meter)
 * and what the camera sends (received level and its dominant frequency). The readings are
 * also written to the host as `data-mic-level`, `data-received-level` and
 * `data-received-frequency`, so tests and the embedding page can read them.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type LevelSource = 'mic' | 'received';

/** Ten readings a second: smooth enough for a meter, cheap enough for a phone. */
const SAMPLE_INTERVAL_MS = 100;
const FFT_SIZE = 2048;

interface Probe {
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
}

export class LevelController implements ReactiveController {
  /** RMS of the microphone signal, 0..1 of full scale. */
  micLevel = 0;
  /** RMS of the received audio, 0..1 of full scale. */
  receivedLevel = 0;
  /** Strongest frequency in the received audio (Hz), 0 when silent. */
  receivedFrequency = 0;

  #context: AudioContext | null = null;
  #probes = new Map<LevelSource, Probe>();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  /** Starts (or with null stops) measuring one source. */
  watch(kind: LevelSource, stream: MediaStream | null): void {
    this.unwatch(kind);
    if (stream && stream.getAudioTracks().length > 0) {
      this.#context ??= new AudioContext();
      // Created on a click, but resume anyway: autoplay policy may start it suspended.
      void this.#context.resume();
      const source = this.#context.createMediaStreamSource(stream);
      const analyser = this.#context.createAnalyser();
      analyser.fftSize = FFT_SIZE;
      source.connect(analyser);
      this.#probes.set(kind, { source, analyser });
    }
    if (this.#probes.size > 0) this.#timer ??= setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    else this.stopSampling();
    this.sample();
  }

  hostDisconnected(): void {
    this.unwatch('mic');
    this.unwatch('received');
    this.stopSampling();
    void this.#context?.close();
    this.#context = null;
  }

  private unwatch(kind: LevelSource): void {
    const probe = this.#probes.get(kind);
    if (!probe) return;
    probe.source.disconnect();
    this.#probes.delete(kind);
  }

  private stopSampling(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  private sample(): void {
    const mic = this.#probes.get('mic');
    const received = this.#probes.get('received');
    this.micLevel = mic ? rms(mic.analyser) : 0;
    this.receivedLevel = received ? rms(received.analyser) : 0;
    this.receivedFrequency = received && this.receivedLevel > 0 ? dominantFrequency(received.analyser) : 0;
    this.host.dataset.micLevel = this.micLevel.toFixed(4);
    this.host.dataset.receivedLevel = this.receivedLevel.toFixed(4);
    this.host.dataset.receivedFrequency = this.receivedFrequency.toFixed(0);
    this.host.requestUpdate();
  }
}

function rms(analyser: AnalyserNode): number {
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.min(1, Math.sqrt(sum / samples.length));
}

function dominantFrequency(analyser: AnalyserNode): number {
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[best]!) best = i;
  return (best * analyser.context.sampleRate) / analyser.fftSize;
}

/** Meter position for a level: dBFS from -60 to 0 mapped to 0..1, as audio meters do. */
export function meterPosition(level: number): number {
  if (level <= 0) return 0;
  return Math.max(0, Math.min(1, (20 * Math.log10(level) + 60) / 60));
}
