import { ENGINE_RATE } from '../contracts.ts';
import { DTMF_COLUMN_HZ, DTMF_ROW_HZ, type DtmfKey, keyAt } from './keys.ts';

/**
 * In-band DTMF detector for 8 kHz audio, built to the Q.24 / AT&T receiver figures:
 * tones of 40 ms are detected and tones under ~23 ms never are; twist up to 8 dB
 * (column quieter) and 4 dB (column louder); S/N down to 15 dB; frequency deviation of
 * 1.5% accepted and 3.5% rejected; no digits out of speech ("talk-off").
 *
 * How (the ideas of Asterisk's dsp.c / spandsp, arranged differently):
 * - Audio is analysed in 102-sample blocks (12.75 ms, ~78 Hz resolution, enough to
 *   separate adjacent rows) at a hop of half a block. Each half block is correlated once
 *   with the 8 tones and the column tones' second harmonics; two halves make a block.
 * - A block is a hit for a key when: both tones are above a floor; the strongest row and
 *   column stand out from the rest of their group; the twist is roughly within limits;
 *   the two tones carry most of the block's energy (tone-to-total ratio, the main guard
 *   against speech and noise); and the column's second harmonic is weak.
 * - A key needs MIN_HITS consecutive hits (hit persistence), which sets the minimum
 *   duration. Then the run as a whole must pass: both frequencies, measured from the
 *   phase advance across the run (to ~1 Hz, far finer than a bin), within
 *   FREQUENCY_TOLERANCE; the twist, averaged over the run and corrected for the bins'
 *   attenuation of an off-centre tone, within limits; and no comb neighbours (below).
 * - A reported key holds until it stops sounding for MISSES_TO_RELEASE blocks, judged
 *   more loosely than a hit (hysteresis): one report per tone, a pause between two.
 */

const HALF_BLOCK = 51;
const BLOCK = 2 * HALF_BLOCK;
/** Consecutive hits (hop 6.4 ms) to report a key: ~24 ms of clean tone at best, 40 ms always. */
const MIN_HITS = 4;
const MISSES_TO_RELEASE = 3;
/** Share of the block's energy that keeps a reported key sounding (see #stillSounding). */
const SUSTAIN_TONE_TO_TOTAL = 0.4;
/** Each tone's peak amplitude must exceed this (about -44 dBFS, far below real keypads). */
const MIN_TONE_AMPLITUDE = 200;
/** High-group level minus low-group level, dB, accepted (Q.24: 8 dB one way, 4 dB the other). */
const MAX_TWIST_COLUMN_WEAKER_DB = 8.5;
const MAX_TWIST_COLUMN_STRONGER_DB = 4.5;
/**
 * In one block each tone's sidelobe adds to the other's bin (about -20 dB), which moves the
 * measured twist by up to 2 dB; averaged over a run the error cancels. So a block is only
 * screened loosely and the run's average twist is held to the limits above.
 */
const BLOCK_TWIST_MARGIN_DB = 4;
/** The chosen row/column must exceed every other of its group by this much. */
const RELATIVE_PEAK_DB = 6;
/** Share of the block's energy the two tones must carry (1 for a pure tone pair). */
const MIN_TONE_TO_TOTAL = 0.7;
/**
 * Second harmonic of the column tone must stay this far below it (DTMF has none; voices
 * do). Row harmonics (1394-1882 Hz) fall among the column tones and cannot be checked.
 */
const SECOND_HARMONIC_DB = 15;
/**
 * A voice whose harmonics k·f0 and (k+1)·f0 land on a row and a column (a sung or held
 * vowel) also has their neighbours 2·row - column and 2·column - row; a tone pair has
 * nothing there. Measured with a Hann window, relative to the stronger tone.
 */
const COMB_NEIGHBOUR_DB = 20;
const MIN_COMB_NEIGHBOUR_HZ = 150;
/** Halfway between the 1.5% that must be accepted and the 3.5% that must be rejected. */
const FREQUENCY_TOLERANCE = 0.025;

const TONES_HZ = [...DTMF_ROW_HZ, ...DTMF_COLUMN_HZ];
/** Analysed frequencies: the 8 DTMF tones, then the column tones' second harmonics. */
const ANALYSED_HZ = [...TONES_HZ, ...DTMF_COLUMN_HZ.map((f) => 2 * f)];
const COLUMN_BIN = 4;
const COLUMN_HARMONIC_BIN = 8;
/** |X|² of a sine of peak A over N samples is (A·N/2)². */
const MIN_TONE_POWER = ((MIN_TONE_AMPLITUDE * BLOCK) / 2) ** 2;
const BINS = ANALYSED_HZ.length;

/** cos/sin of each analysed frequency over one half block. */
const COS = new Float64Array(BINS * HALF_BLOCK);
const SIN = new Float64Array(BINS * HALF_BLOCK);
/** e^{-jω·HALF_BLOCK}: shifts the second half's correlation to the block's time origin. */
const SHIFT_RE = new Float64Array(BINS);
const SHIFT_IM = new Float64Array(BINS);
for (let b = 0; b < BINS; b++) {
  const w = (2 * Math.PI * ANALYSED_HZ[b]!) / ENGINE_RATE;
  for (let n = 0; n < HALF_BLOCK; n++) {
    COS[b * HALF_BLOCK + n] = Math.cos(w * n);
    SIN[b * HALF_BLOCK + n] = -Math.sin(w * n);
  }
  SHIFT_RE[b] = Math.cos(w * HALF_BLOCK);
  SHIFT_IM[b] = -Math.sin(w * HALF_BLOCK);
}

const dbToPower = (db: number): number => 10 ** (db / 10);

const HANN = Float64Array.from({ length: BLOCK }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / BLOCK));

/** Hann-windowed power of one frequency over a block (used only on candidate blocks). */
function windowedPower(block: Int16Array, frequencyHz: number): number {
  const w = (2 * Math.PI * frequencyHz) / ENGINE_RATE;
  let re = 0;
  let im = 0;
  for (let n = 0; n < BLOCK; n++) {
    const v = block[n]! * HANN[n]!;
    re += v * Math.cos(w * n);
    im += v * Math.sin(w * n);
  }
  return re * re + im * im;
}

interface Run {
  key: DtmfKey;
  row: number;
  column: number;
  hits: number;
  /** Unwrapped phase advance of each tone since the run's first block, radians. */
  rowPhaseAdvance: number;
  columnPhaseAdvance: number;
  lastRowPhase: number;
  lastColumnPhase: number;
  rowPowerSum: number;
  columnPowerSum: number;
  /** Summed over the run: one block's noise could mask or fake a weak neighbour. */
  comb: CombPowers;
}

interface CombPowers {
  /** The stronger tone. */
  tones: number;
  /** The stronger neighbour. */
  neighbours: number;
}

type DetectorState =
  | { kind: 'idle'; run: Run | undefined }
  | { kind: 'tone'; row: number; column: number; misses: number };

export interface DtmfDetectorStats {
  blocks: number;
  hits: number;
  /** Runs long enough that were rejected because a frequency was off. */
  rejectedFrequency: number;
  keys: number;
}

export class GoertzelDtmfDetector {
  readonly stats: DtmfDetectorStats = { blocks: 0, hits: 0, rejectedFrequency: 0, keys: 0 };
  /** The current block's samples: the previous half, then the half being filled. */
  readonly #block = new Int16Array(BLOCK);
  #pendingLength = 0;
  /** Correlations (re, im per bin) and energy of the previous half block. */
  #previousRe = new Float64Array(BINS);
  #previousIm = new Float64Array(BINS);
  /** The half block being analysed; swapped with the previous one (no allocation per half block). */
  #currentRe = new Float64Array(BINS);
  #currentIm = new Float64Array(BINS);
  #previousEnergy = 0;
  #haveHalf = false;
  readonly #blockRe = new Float64Array(BINS);
  readonly #blockIm = new Float64Array(BINS);
  #state: DetectorState = { kind: 'idle', run: undefined };

  /** Feeds 8 kHz audio of any length; returns the keys whose tones were recognised in it. */
  process(samples: Int16Array): DtmfKey[] {
    const keys: DtmfKey[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(HALF_BLOCK - this.#pendingLength, samples.length - offset);
      this.#block.set(samples.subarray(offset, offset + take), HALF_BLOCK + this.#pendingLength);
      this.#pendingLength += take;
      offset += take;
      if (this.#pendingLength === HALF_BLOCK) {
        this.#pendingLength = 0;
        const key = this.#analyseHalfBlock(this.#block.subarray(HALF_BLOCK));
        if (key) keys.push(key);
        this.#block.copyWithin(0, HALF_BLOCK);
      }
    }
    return keys;
  }

  #analyseHalfBlock(x: Int16Array): DtmfKey | undefined {
    const re = this.#currentRe;
    const im = this.#currentIm;
    let energy = 0;
    for (let n = 0; n < HALF_BLOCK; n++) energy += x[n]! * x[n]!;
    for (let b = 0; b < BINS; b++) {
      let sr = 0;
      let si = 0;
      const base = b * HALF_BLOCK;
      for (let n = 0; n < HALF_BLOCK; n++) {
        sr += x[n]! * COS[base + n]!;
        si += x[n]! * SIN[base + n]!;
      }
      re[b] = sr;
      im[b] = si;
    }
    let key: DtmfKey | undefined;
    if (this.#haveHalf) {
      // Block = previous half + current half rotated to the block's time origin.
      for (let b = 0; b < BINS; b++) {
        this.#blockRe[b] = this.#previousRe[b]! + re[b]! * SHIFT_RE[b]! - im[b]! * SHIFT_IM[b]!;
        this.#blockIm[b] = this.#previousIm[b]! + re[b]! * SHIFT_IM[b]! + im[b]! * SHIFT_RE[b]!;
      }
      key = this.#analyseBlock(this.#previousEnergy + energy);
    }
    this.#currentRe = this.#previousRe;
    this.#currentIm = this.#previousIm;
    this.#previousRe = re;
    this.#previousIm = im;
    this.#previousEnergy = energy;
    this.#haveHalf = true;
    return key;
  }

  #analyseBlock(energy: number): DtmfKey | undefined {
    this.stats.blocks++;
    const hit = this.#classify(energy);
    if (hit) this.stats.hits++;
    const state = this.#state;
    if (state.kind === 'tone') {
      if (this.#stillSounding(state.row, state.column, energy)) {
        state.misses = 0;
      } else if (++state.misses >= MISSES_TO_RELEASE) {
        this.#state = { kind: 'idle', run: undefined };
      }
      return undefined;
    }
    if (!hit) {
      state.run = undefined;
      return undefined;
    }
    const rowPhase = Math.atan2(this.#blockIm[hit.row]!, this.#blockRe[hit.row]!);
    const columnPhase = Math.atan2(this.#blockIm[COLUMN_BIN + hit.column]!, this.#blockRe[COLUMN_BIN + hit.column]!);
    const run = state.run;
    if (!run || run.row !== hit.row || run.column !== hit.column) {
      state.run = {
        key: keyAt(hit.row, hit.column),
        row: hit.row,
        column: hit.column,
        hits: 1,
        rowPhaseAdvance: 0,
        columnPhaseAdvance: 0,
        lastRowPhase: rowPhase,
        lastColumnPhase: columnPhase,
        rowPowerSum: hit.rowPower,
        columnPowerSum: hit.columnPower,
        comb: this.#combPowers(hit.row, hit.column),
      };
      return undefined;
    }
    run.hits++;
    run.rowPhaseAdvance += phaseStep(rowPhase - run.lastRowPhase, TONES_HZ[hit.row]!);
    run.columnPhaseAdvance += phaseStep(columnPhase - run.lastColumnPhase, TONES_HZ[COLUMN_BIN + hit.column]!);
    run.lastRowPhase = rowPhase;
    run.lastColumnPhase = columnPhase;
    run.rowPowerSum += hit.rowPower;
    run.columnPowerSum += hit.columnPower;
    const comb = this.#combPowers(hit.row, hit.column);
    run.comb.tones += comb.tones;
    run.comb.neighbours += comb.neighbours;
    if (run.hits < MIN_HITS) return undefined;
    const rowHz = TONES_HZ[hit.row]!;
    const columnHz = TONES_HZ[COLUMN_BIN + hit.column]!;
    const rowOffsetHz = measuredFrequency(run.rowPhaseAdvance, run.hits - 1) - rowHz;
    const columnOffsetHz = measuredFrequency(run.columnPhaseAdvance, run.hits - 1) - columnHz;
    if (Math.abs(rowOffsetHz) > rowHz * FREQUENCY_TOLERANCE || Math.abs(columnOffsetHz) > columnHz * FREQUENCY_TOLERANCE) {
      // A longer run measures more precisely; only count the rejection once per run.
      if (run.hits === MIN_HITS) this.stats.rejectedFrequency++;
      return undefined;
    }
    // Twist of the tones as sent: undo the bins' attenuation of an off-centre tone.
    const rowPower = run.rowPowerSum / binResponse(rowOffsetHz);
    const columnPower = run.columnPowerSum / binResponse(columnOffsetHz);
    if (!twistWithinLimits(rowPower, columnPower, 0)) return undefined;
    if (run.comb.neighbours * dbToPower(COMB_NEIGHBOUR_DB) > run.comb.tones) return undefined;
    this.#state = { kind: 'tone', row: run.row, column: run.column, misses: 0 };
    this.stats.keys++;
    return run.key;
  }

  /**
   * Whether a reported key is still sounding. Looser than a hit (hysteresis): noise or a
   * codec may spoil a block in the middle of a tone, which must not end it and let the
   * same tone be reported twice.
   */
  #stillSounding(row: number, column: number, energy: number): boolean {
    const rowPower = this.#power(row);
    const columnPower = this.#power(COLUMN_BIN + column);
    return (
      this.#strongest(0) === row &&
      this.#strongest(COLUMN_BIN) === column &&
      rowPower >= MIN_TONE_POWER &&
      columnPower >= MIN_TONE_POWER &&
      (2 * (rowPower + columnPower)) / BLOCK >= SUSTAIN_TONE_TO_TOTAL * energy
    );
  }

  /** Windowed powers of the pair and its comb neighbours in the current block. */
  #combPowers(row: number, column: number): CombPowers {
    const rowHz = TONES_HZ[row]!;
    const columnHz = TONES_HZ[COLUMN_BIN + column]!;
    const below = 2 * rowHz - columnHz;
    return {
      tones: Math.max(windowedPower(this.#block, rowHz), windowedPower(this.#block, columnHz)),
      neighbours: Math.max(
        below >= MIN_COMB_NEIGHBOUR_HZ ? windowedPower(this.#block, below) : 0,
        windowedPower(this.#block, 2 * columnHz - rowHz),
      ),
    };
  }

  /** The key this block looks like, or undefined. */
  #classify(energy: number): { row: number; column: number; rowPower: number; columnPower: number } | undefined {
    const row = this.#strongest(0);
    const column = this.#strongest(COLUMN_BIN);
    const rowPower = this.#power(row);
    const columnPower = this.#power(COLUMN_BIN + column);
    if (rowPower < MIN_TONE_POWER || columnPower < MIN_TONE_POWER) return undefined;
    if (!twistWithinLimits(rowPower, columnPower, BLOCK_TWIST_MARGIN_DB)) return undefined;
    const relativePeak = dbToPower(RELATIVE_PEAK_DB);
    for (let i = 0; i < 4; i++) {
      if (i !== row && this.#power(i) * relativePeak > rowPower) return undefined;
      if (i !== column && this.#power(COLUMN_BIN + i) * relativePeak > columnPower) return undefined;
    }
    // Energy of a sine is A²·N/2, so 2|X|²/N equals its energy: the ratio is 1 for a pure pair.
    if ((2 * (rowPower + columnPower)) / BLOCK < MIN_TONE_TO_TOTAL * energy) return undefined;
    const harmonicLimit = dbToPower(SECOND_HARMONIC_DB);
    if (this.#power(COLUMN_HARMONIC_BIN + column) * harmonicLimit > columnPower) return undefined;
    return { row, column, rowPower, columnPower };
  }

  #power(bin: number): number {
    return this.#blockRe[bin]! ** 2 + this.#blockIm[bin]! ** 2;
  }

  /** The strongest of the four bins of a group (rows from 0, columns from COLUMN_BIN). */
  #strongest(first: number): number {
    let best = 0;
    for (let i = 1; i < 4; i++) if (this.#power(first + i) > this.#power(first + best)) best = i;
    return best;
  }
}

function twistWithinLimits(rowPower: number, columnPower: number, marginDb: number): boolean {
  return (
    columnPower <= rowPower * dbToPower(MAX_TWIST_COLUMN_STRONGER_DB + marginDb) &&
    rowPower <= columnPower * dbToPower(MAX_TWIST_COLUMN_WEAKER_DB + marginDb)
  );
}

/**
 * Phase advance of a tone over one hop, unwrapped around what the nominal frequency
 * predicts. Unambiguous within ±fs/(2·hop) = ±78 Hz, well beyond the 3.5% limit.
 */
function phaseStep(measured: number, nominalHz: number): number {
  const expected = (2 * Math.PI * nominalHz * HALF_BLOCK) / ENGINE_RATE;
  let deviation = measured - expected;
  deviation -= 2 * Math.PI * Math.round(deviation / (2 * Math.PI));
  return expected + deviation;
}

function measuredFrequency(phaseAdvance: number, hops: number): number {
  return (phaseAdvance * ENGINE_RATE) / (2 * Math.PI * HALF_BLOCK * hops);
}

/** Power response of a BLOCK-long DFT bin to a tone offsetHz from its centre (1 at the centre). */
function binResponse(offsetHz: number): number {
  const x = (Math.PI * offsetHz) / ENGINE_RATE;
  if (Math.abs(x) < 1e-9) return 1;
  return (Math.sin(BLOCK * x) / (BLOCK * Math.sin(x))) ** 2;
}
