/**
 * Ordered, case-insensitive header collection. Names are matched by their long form
 * (`i` finds `Call-ID`) and written in canonical spelling. A list header holds one entry
 * per value, so `getAll('Via')` is the Via stack top first.
 */
import { canonicalHeaderName, headerKey } from './header-names.ts';

/** Anything with a SIP text form: strings, numbers, `NameAddr`, `Via`, URIs. */
export type HeaderValue = string | number | { toString(): string };

export interface HeaderEntry {
  readonly name: string;
  readonly value: string;
}

export class Headers implements Iterable<HeaderEntry> {
  #entries: { key: string; name: string; value: string }[] = [];
  #version = 0;

  constructor(entries: Iterable<readonly [string, HeaderValue]> = []) {
    for (const [name, value] of entries) this.append(name, value);
  }

  /** Bumped on every change; lets messages cache parsed values. */
  get version(): number {
    return this.#version;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.#entries.some((e) => e.key === key);
  }

  /** First value, or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    return this.#entries.find((e) => e.key === key)?.value;
  }

  /** All values in order (one per list element). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    return this.#entries.filter((e) => e.key === key).map((e) => e.value);
  }

  /** Replaces every value of `name` with `value` (several for an array), at the first one's place. */
  set(name: string, value: HeaderValue | readonly HeaderValue[]): this {
    const key = headerKey(name);
    const values = (Array.isArray(value) ? value : [value]).map(String);
    const at = this.#entries.findIndex((e) => e.key === key);
    this.#entries = this.#entries.filter((e) => e.key !== key);
    const entries = values.map((v) => ({ key, name: canonicalHeaderName(name), value: v }));
    this.#entries.splice(at < 0 ? this.#entries.length : at, 0, ...entries);
    this.#version++;
    return this;
  }

  append(name: string, value: HeaderValue): this {
    this.#entries.push({ key: headerKey(name), name: canonicalHeaderName(name), value: String(value) });
    this.#version++;
    return this;
  }

  /** Inserts before the first value of the same header (a new top Via), else at the start. */
  prepend(name: string, value: HeaderValue): this {
    const key = headerKey(name);
    const at = this.#entries.findIndex((e) => e.key === key);
    this.#entries.splice(Math.max(at, 0), 0, { key, name: canonicalHeaderName(name), value: String(value) });
    this.#version++;
    return this;
  }

  /** Removes all values of `name`; with `index`, only that one (e.g. the top Via). */
  remove(name: string, index?: number): this {
    const key = headerKey(name);
    if (index === undefined) {
      this.#entries = this.#entries.filter((e) => e.key !== key);
    } else {
      let seen = -1;
      this.#entries = this.#entries.filter((e) => e.key !== key || ++seen !== index);
    }
    this.#version++;
    return this;
  }

  *[Symbol.iterator](): Iterator<HeaderEntry> {
    for (const { name, value } of this.#entries) yield { name, value };
  }
}
