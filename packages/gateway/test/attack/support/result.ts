/** What one attack measured and which of the expectations it broke. */
export interface AttackResult {
  /** Measurements worth printing (sizes, counts, RSS, latencies). */
  numbers: Record<string, number | string>;
  /** Broken expectations as sentences; empty = the gateway withstood the attack. */
  problems: string[];
}

/** Collects broken expectations: `expectThat(ok, 'sentence saying what went wrong')`. */
export class Findings {
  readonly numbers: Record<string, number | string> = {};
  readonly problems: string[] = [];

  expectThat(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  record(name: string, value: number | string): void {
    this.numbers[name] = typeof value === 'number' ? Math.round(value * 10) / 10 : value;
  }

  get result(): AttackResult {
    return { numbers: this.numbers, problems: this.problems };
  }
}
