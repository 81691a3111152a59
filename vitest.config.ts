import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The longest files start first, each on its own worker, while the others share the rest: two of them run
// on clusters of their own, and the rest mostly wait on the API server and on rollouts.
const LONGEST = ['rotate-apiserver-restart', 'rotate-scale', 'faults', 'rotate-faults', 'release'];
const rank = (spec: TestSpecification) => {
  const i = LONGEST.findIndex((name) => spec.moduleId.endsWith(`/${name}.test.ts`));
  return i < 0 ? LONGEST.length : i;
};
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// Two projects: unit tests never touch a cluster; e2e tests share one real
// local control plane started by the e2e project's global setup (only when
// e2e files are part of the run).
export default defineConfig({
  test: {
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
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
