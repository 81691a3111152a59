// Runs the pure exposure analysis over real install manifests written by other
// projects (/work/shared/realdata/manifests, see its SOURCES.md) and prints the
// consumers of each namespace/Secret pair listed in questions.txt, to compare by
// hand with the expectations in SOURCES.md. Not part of the test suite: the
// data lives outside the repository.
//   node bench/exposure/run-ts.mjs bench/exposure/realdata.ts [manifests-dir]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exposureReport, secretInventory } from '../../src/exposure/report.js';
import { describeUse } from '../../src/cli/exposure-view.js';
import { loadRealdataInputs } from '../../test/harness/realdata-inputs.js';

const dir = process.argv[2] ?? '/work/shared/realdata/manifests';
const inputs = loadRealdataInputs(dir);
console.log(
  `loaded ${inputs.workloads.length} workloads, ${inputs.pods.length} pods, ${inputs.serviceAccounts.length} ServiceAccounts, ${inputs.objects.length} other objects, ${inputs.secrets!.length} Secrets\n`,
);

const gaps = { warnings: [], notes: [], complete: true };
for (const line of readFileSync(join(dir, 'questions.txt'), 'utf8').split('\n')) {
  const [namespace, name] = line.trim().split(/\s+/);
  if (!namespace || !name) continue;
  const report = exposureReport(inputs, { namespace, name }, gaps);
  const s = report.metadata.secrets[0]!;
  console.log(
    `== ${namespace}/${name}: exists=${s.exists} manager=${s.manager?.manager ?? '?'} worst=${report.metadata.worstRisk}`,
  );
  for (const c of report.items) {
    for (const u of c.uses) {
      const who = `${c.kind}/${c.name}${u.container ? ` [${u.container}]` : ''}`;
      console.log(
        `   ${who.padEnd(58)} ${describeUse(u).padEnd(52)} ${u.update.verdict.padEnd(8)} ${u.risks.map((r) => `${r.severity}:${r.id}`).join(' ')}`,
      );
    }
  }
  if (report.items.length === 0) console.log('   (no consumers)');
}
const inv = secretInventory(inputs, undefined, gaps);
console.log(`\ninventory: ${JSON.stringify(inv.metadata.counts)} findings ${JSON.stringify(inv.metadata.findings)}`);
for (const r of inv.items.filter((r) => r.status === 'missing'))
  console.log(`   missing ${r.namespace}/${r.name} <- ${r.consumerNames.join(', ')}`);
