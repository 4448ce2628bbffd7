import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests bind fixed UDP/TCP ports and spawn real SIP peers; run files one at a time.
    fileParallelism: false,
    pool: 'forks',
  },
});
