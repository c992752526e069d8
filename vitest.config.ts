import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep the e2e suites (servers, child processes, a browser) from starving each other.
    maxWorkers: 2,
    // CI counts tests from the JSON report (.ci/run prints "N passed, N failed").
    reporters: process.env.CI ? ['default', ['json', { outputFile: process.env.VITEST_JSON_OUT ?? 'test-results.json' }]] : ['default'],
  },
});
