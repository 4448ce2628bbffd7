/**
 * Spawning a real peer program (baresip, sipp, kamailio, linphonec) for a test: keeps its
 * output for failure messages, and `stop()` ends it (SIGTERM, then SIGKILL after a grace
 * period) and resolves once it is gone, so no test leaves a process behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface PeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class PeerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<PeerExit>;
  #output = '';
  /** Characters dropped from the front of `#output`, so offsets stay absolute. */
  #dropped = 0;
  #exit: PeerExit | undefined;
  readonly #outputListeners = new Set<() => void>();

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    const collect = (chunk: Buffer) => {
      this.#output += chunk.toString('utf8');
      // Keep the tail only: a long sipp run must not grow memory without bound.
      if (this.#output.length > 1_000_000) {
        this.#dropped += this.#output.length - 500_000;
        this.#output = this.#output.slice(-500_000);
      }
      for (const listener of this.#outputListeners) listener();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.#output += `\n[spawn error] ${error.message}\n`;
        this.#exit = { code: -1, signal: null };
        resolve(this.#exit);
      });
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** Everything the program printed on stdout and stderr so far. */
  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Length of all output so far (an offset for `waitForOutput`'s `from`). */
  get outputLength(): number {
    return this.#dropped + this.#output.length;
  }

  /**
   * Resolves once the output after offset `from` matches `pattern`, with the match and the
   * offset just past it; rejects on exit or timeout, quoting the output.
   */
  waitForOutput(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<{ match: RegExpMatchArray; end: number }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#outputListeners.delete(check);
        settle();
      };
      const check = () => {
        const start = Math.max(0, from - this.#dropped);
        const match = this.#output.slice(start).match(pattern);
        if (match) finish(() => resolve({ match, end: this.#dropped + start + (match.index ?? 0) + match[0].length }));
        else if (!this.running) finish(() => reject(new Error(`${this.name} exited before printing ${pattern}:\n${this.tail()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.tail()}`))), timeoutMs);
      this.#outputListeners.add(check);
      void this.exited.then(check);
      check();
    });
  }

  /** The last lines of output, for error messages. */
  tail(chars = 4000): string {
    return this.#output.slice(-chars);
  }

  /** Ends the program: SIGTERM, SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 3000): Promise<PeerExit> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }
}
