// Shared helpers for benchmarks: timing commands in the same run, so results
// are ratios against a baseline measured on the same machine at the same time.
import { spawnSync } from 'node:child_process';

/** Median wall time (ms) of `runs` executions of a command, after one warm-up. */
export function timeCommand(cmd, args, { runs = 15, env = process.env } = {}) {
  const once = () => {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  once();
  const samples = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`;
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
