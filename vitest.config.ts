import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/** What scripts/setup.mjs resolved (MEDIASOUP_WORKER_BIN): tests run with it, however started. */
function setupEnv(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(new URL('./node_modules/.camgate/env.json', import.meta.url), 'utf8'));
  } catch {
    return {};
  }
}

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    env: setupEnv(),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn real SIP peers and media workers; on 2 cores, one file at a time.
    fileParallelism: false,
    pool: 'forks',
    // Real peers on a loaded 2-core CI machine occasionally lose a start-up race; one retry in CI only.
    retry: process.env.CI ? 1 : 0,
  },
});
