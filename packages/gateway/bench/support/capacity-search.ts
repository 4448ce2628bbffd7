/**
 * The search of the capacity benchmarks: the most concurrent calls a configuration carries
 * with at most MAX_LATE_PERCENT late packets at the phones.
 *
 * A warm-up step (JIT, first routers and transports), a step of `memoryCalls` calls whose
 * result is kept for the memory per call (RSS keeps its high-water mark: measured after
 * bigger steps it would show nothing), then doubling from `firstCalls` until a step is over
 * the limit (the last one at `maxCalls` itself), then bisection, each step only while
 * `fits(count)` says the time budget allows it. A step over the limit runs once more before
 * it counts as a failure: one stall of a shared machine is not the gateway's capacity. A
 * step whose late% is NaN (its calls could not all be set up) fails.
 */
import { MAX_LATE_PERCENT } from './phones.ts';

export interface JudgedStep {
  readonly calls: number;
  readonly latePercent: number;
}

export interface SearchPlan {
  readonly maxCalls: number;
  /** Whether a step of `count` calls still fits the time budget. */
  fits(count: number): boolean;
  readonly warmUpCalls?: number;
  readonly memoryCalls?: number;
  readonly firstCalls?: number;
}

export interface SearchOutcome<T extends JudgedStep> {
  /** The biggest step that passed. */
  readonly best: T | undefined;
  /** The memory step: `memoryCalls` calls up, whatever their lateness. */
  readonly memory: T;
  /** Why the search stopped where it did. */
  readonly bracket: string;
}

export const MEMORY_CALLS = 200;
/** Bisection stops when the bracket is this tight (calls, or this share of the result). */
const RESOLUTION_CALLS = 10;
const RESOLUTION_SHARE = 0.1;

export async function searchCapacity<T extends JudgedStep>(step: (count: number) => Promise<T>, plan: SearchPlan): Promise<SearchOutcome<T>> {
  const { maxCalls, fits, warmUpCalls = 25, memoryCalls = MEMORY_CALLS, firstCalls = 50 } = plan;

  /** A step at `count` calls that passes, once more if it failed; undefined if both failed. */
  async function carries(count: number): Promise<T | undefined> {
    const first = await step(count);
    if (first.latePercent <= MAX_LATE_PERCENT) return first;
    const again = await step(count);
    return again.latePercent <= MAX_LATE_PERCENT ? again : undefined;
  }

  let best: T | undefined;
  let failedAt = maxCalls + 1;
  await step(warmUpCalls);
  console.log(`memory: ${memoryCalls} calls up (not judged)`);
  const memory = await step(memoryCalls);
  // Doubling, the last step at maxCalls itself (a configuration that carries it is not cut at half).
  for (let count = firstCalls; fits(count); count = Math.min(count * 2, maxCalls)) {
    const result = await carries(count);
    if (!result) {
      failedAt = count;
      break;
    }
    best = result;
    if (count === maxCalls) break;
  }
  const low = () => best?.calls ?? 0;
  while (failedAt <= maxCalls && failedAt - low() > Math.max(RESOLUTION_CALLS, low() * RESOLUTION_SHARE)) {
    const count = Math.round((low() + failedAt) / 2 / 5) * 5;
    if (!fits(count)) break;
    const result = await carries(count);
    if (result) best = result;
    else failedAt = count;
  }
  const bracket = failedAt > maxCalls ? (low() === maxCalls ? 'the most tried' : `no step up to ${low()} failed, time budget used`) : `${failedAt} failed`;
  return { best, memory, bracket };
}
