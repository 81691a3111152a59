// Start-up of the CLI for `--help`: the npm entry point (the bundle from its V8
// code cache, written by timeCommand's warm-up run), the bundle alone, and the
// single binary, as ratios to `node -e 0` and `kubectl version --client`
// measured in the same run. Target: the binary within 2× of `node -e 0`.
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, ratio, timeCommand } from '../lib.mjs';

const bundle = 'dist/kubectl-secrets.cjs';
const main = 'dist/kubectl-secrets-main.cjs';
const binary = 'dist/kubectl-secrets';
// the code caches of this run only
const env = { ...process.env, KUBECTL_SECRETS_CACHE: mkdtempSync(join(tmpdir(), 'bench-startup-')) };
if (!existsSync(bundle) || !existsSync(main) || !existsSync(binary)) {
  console.error('error: build first: npm run build && npm run package');
  process.exit(1);
}

function findKubectl() {
  try {
    const bin = execFileSync('bash', ['test/cluster/build.sh'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop();
    if (bin && existsSync(`${bin}/kubectl`)) return `${bin}/kubectl`;
  } catch {
    // no local build: fall back to the machine's kubectl
  }
  return 'kubectl';
}

const kubectl = findKubectl();
const node = timeCommand(process.execPath, ['-e', '0']);
const rows = [
  ['node -e 0 (baseline)', node],
  [`kubectl version --client (${kubectl})`, timeCommand(kubectl, ['version', '--client'])],
  ['node dist/kubectl-secrets.cjs --help', timeCommand(process.execPath, [bundle, '--help'], { env })],
  ['dist/kubectl-secrets --help (single binary)', timeCommand(binary, ['--help'], { env })],
  ['dist/kubectl-secrets --version', timeCommand(binary, ['--version'], { env })],
  ['node dist/kubectl-secrets-main.cjs --help (no code cache)', timeCommand(process.execPath, [main, '--help'])],
];
console.log('start-up, median of 15 runs');
for (const [name, ms] of rows)
  console.log(
    `  ${name.padEnd(60)} ${fmt(ms).padStart(10)}  ${ratio(ms, node)} node -e 0  ${ratio(ms, rows[1][1])} kubectl`,
  );
console.log(
  `binary size ${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB, bundle ${(statSync(main).size / 1024).toFixed(0)} KiB, entry point ${(statSync(bundle).size / 1024).toFixed(1)} KiB`,
);
const binaryRatio = rows[3][1] / node;
console.log(
  `target: single binary --help ≤ 2× node -e 0: ${binaryRatio <= 2 ? 'met' : 'NOT met'} (${binaryRatio.toFixed(2)}×)`,
);
