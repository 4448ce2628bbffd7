/** RMS level of audio as a percentage of 16-bit full scale (a full-scale square wave is 100). */
export function rmsPercent(samples: Int16Array): number {
  return toPercent(sumOfSquares(samples), samples.length);
}

/** Accumulates RMS over a window of frames (e.g. 200 ms for a level display). */
export class LevelMeter {
  #sumSquares = 0;
  #samples = 0;

  add(samples: Int16Array): void {
    this.#sumSquares += sumOfSquares(samples);
    this.#samples += samples.length;
  }

  /** The level since the last call, then starts a new window. */
  takePercent(): number {
    const percent = toPercent(this.#sumSquares, this.#samples);
    this.#sumSquares = 0;
    this.#samples = 0;
    return percent;
  }
}

function sumOfSquares(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return sum;
}

function toPercent(sumSquares: number, count: number): number {
  return count === 0 ? 0 : (Math.sqrt(sumSquares / count) / 32768) * 100;
}
