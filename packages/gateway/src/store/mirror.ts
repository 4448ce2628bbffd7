/**
 * Rows a repository holds in memory because a call or a request reads them synchronously
 * (settings checks, SIP digests, sessions). The repository changes it as it writes; `refresh()`
 * re-reads the table (a shared server: other nodes write too).
 */
export class Mirror<V> {
  #entries = new Map<string, V>();
  /** Changes made here so far: a refresh that raced one is not applied. */
  #changes = 0;

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  values(): V[] {
    return [...this.#entries.values()];
  }

  entries(): [string, V][] {
    return [...this.#entries.entries()];
  }

  set(key: string, value: V): void {
    this.#changes += 1;
    this.#entries.set(key, value);
  }

  delete(key: string): boolean {
    this.#changes += 1;
    return this.#entries.delete(key);
  }

  /**
   * Replaces every entry with what `load` reads, unless this node changed one meanwhile:
   * its write may not be in what was read, and the next refresh catches up.
   */
  async refresh(load: () => Promise<Iterable<readonly [string, V]>>): Promise<void> {
    const changes = this.#changes;
    const entries = await load();
    if (changes === this.#changes) this.#entries = new Map(entries);
  }
}
