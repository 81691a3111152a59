#!/usr/bin/env node
// exposure benchmarks (see README.md here): the analysis on 10,000 pods and
// 2,000 workloads generated in memory, against JSON.parse of the same lists;
// with --cluster (or EXPOSURE_BENCH_CLUSTER=1 and KUBECONFIG set) also the
// list/paging part on a real cluster.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = ['pure.ts'];
if (process.argv.includes('--cluster') || process.env.EXPOSURE_BENCH_CLUSTER === '1') scripts.push('cluster.ts');
for (const script of scripts) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'run-ts.mjs'), join(here, script)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
