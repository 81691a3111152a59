// Runs every benchmark (bench/<name>/run.mjs), or those named on the command
// line: `npm run bench -- audit startup`. Each prints its figures as ratios
// to baselines measured in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const all = readdirSync('bench', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`bench/${d.name}/run.mjs`))
  .map((d) => d.name)
  .sort();
const chosen = process.argv.length > 2 ? process.argv.slice(2) : all;
let failed = 0;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`error: no benchmark "${name}" (have: ${all.join(', ')})`);
    process.exit(1);
  }
  console.log(`\n== bench/${name} ==`);
  const r = spawnSync(process.execPath, [`bench/${name}/run.mjs`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
