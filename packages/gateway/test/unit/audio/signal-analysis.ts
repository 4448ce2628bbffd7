/** Test-side measurements of audio (deliberately independent of the detector under test). */

/** Amplitude of the component at `frequencyHz` (a single DFT bin, exact for whole cycles). */
export function toneAmplitude(samples: Int16Array, frequencyHz: number, rate = 8000): number {
  let re = 0;
  let im = 0;
  for (let n = 0; n < samples.length; n++) {
    re += samples[n]! * Math.cos((2 * Math.PI * frequencyHz * n) / rate);
    im += samples[n]! * Math.sin((2 * Math.PI * frequencyHz * n) / rate);
  }
  return (2 * Math.hypot(re, im)) / samples.length;
}

/** Frequency of the strongest component between lowHz and highHz, in 1 Hz steps. */
export function dominantFrequency(samples: Int16Array, lowHz: number, highHz: number, rate = 8000): number {
  let best = lowHz;
  let bestAmplitude = -1;
  for (let f = lowHz; f <= highHz; f++) {
    const a = toneAmplitude(samples, f, rate);
    if (a > bestAmplitude) {
      bestAmplitude = a;
      best = f;
    }
  }
  return best;
}

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Splits audio into 20 ms frames (the last one zero-padded). */
export function frames(samples: Int16Array, size = 160): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < samples.length; i += size) {
    const frame = new Int16Array(size);
    frame.set(samples.subarray(i, i + size));
    out.push(frame);
  }
  return out;
}
