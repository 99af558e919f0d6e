import { defineConfig } from 'vitest/config';

/** The Wine lane (npm run test:windows): one file, in order, long timeouts. */
export default defineConfig({
  test: {
    include: ['test/windows/**/*.test.ts'],
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/support/temp-root.ts'],
  },
});
