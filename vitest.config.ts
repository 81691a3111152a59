import { defineConfig } from 'vitest/config';

// Two projects: unit tests never touch a cluster; e2e tests share one real
// local control plane started by the e2e project's global setup (only when
// e2e files are part of the run).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          globalSetup: ['test/harness/canary-scan.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The canary scan's teardown runs last, after the cluster's (which stops recording its objects).
          globalSetup: ['test/harness/canary-scan.ts', 'test/harness/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});
