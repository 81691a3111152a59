// exposure's CPU time and memory once the lists have arrived: 10,000 pods and
// 2,000 workloads of realistic shape, generated in memory. Each step is
// printed with its ratio to JSON.parse of the same lists (measured in this
// run), the work any client must do anyway. Target: analysis ≤ 1 s.
//   node --expose-gc bench/exposure/run-ts.mjs bench/exposure/pure.ts [pods] [workloads]
import { exposureReport, secretInventory } from '../../src/exposure/report.js';
import type { ExposureInputs } from '../../src/exposure/collect.js';
import { toFacts } from '../../src/kube/exposure-sources.js';
import { renderTable } from '../../src/output/table.js';
import { inventoryView, exposureView, useRows } from '../../src/cli/exposure-view.js';
import { generate } from './generate.js';

const pods = Number(process.argv[2] ?? 10_000);
const workloads = Number(process.argv[3] ?? 2_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

function time<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, value };
}
/** Median of 5 runs after a warm-up. */
function median<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  fn();
  const runs = Array.from({ length: 5 }, () => time(fn)).sort((a, b) => a.ms - b.ms);
  return runs[2]!;
}

const generated = generate({ pods, workloads, namespaces: 50, secretsPerNamespace: 60 });
const texts = {
  pods: JSON.stringify({ kind: 'PodList', items: generated.pods }),
  workloads: JSON.stringify({ kind: 'List', items: generated.workloads }),
  secrets: JSON.stringify({ kind: 'SecretList', items: generated.secrets }),
};
const bytes = Object.values(texts).reduce((n, t) => n + t.length, 0);
console.log(
  `${generated.pods.length} pods, ${generated.workloads.length} workload objects (${workloads} top-level + ReplicaSets/Jobs), ${generated.secrets.length} Secrets in ${generated.namespaces.length} namespaces: ${mib(bytes)} of JSON\n`,
);

gc();
const heapBefore = process.memoryUsage().heapUsed;
const parse = median(() => ({
  pods: JSON.parse(texts.pods).items,
  workloads: JSON.parse(texts.workloads).items,
  secrets: JSON.parse(texts.secrets).items,
}));
const lists = parse.value;
gc();
const heapLists = process.memoryUsage().heapUsed;

const inputs: ExposureInputs = {
  pods: lists.pods,
  workloads: lists.workloads,
  serviceAccounts: generated.serviceAccounts.map((s) => ({ ...s, kind: 'ServiceAccount' })),
  objects: [],
  secrets: lists.secrets.map((s: any) => toFacts(s, false)),
  podsKnown: true,
  serviceAccountsKnown: true,
};
// One Secret as the CLI sees it: only its namespace is listed.
const inTeam0 = (o: any) => o.metadata.namespace === 'team-0';
const typical: ExposureInputs = {
  ...inputs,
  pods: inputs.pods.filter(inTeam0),
  workloads: inputs.workloads.filter(inTeam0),
  secrets: inputs.secrets!.filter((s) => s.namespace === 'team-0'),
};
// The worst case: every pod and workload in one namespace, all using the Secret.
const crowded: ExposureInputs = {
  ...inputs,
  pods: inputs.pods.map((p: any) => ({ ...p, metadata: { ...p.metadata, namespace: 'team-0' } })),
  workloads: inputs.workloads.map((w: any) => ({ ...w, metadata: { ...w.metadata, namespace: 'team-0' } })),
};
const gaps = { warnings: [], notes: [], complete: true };
const facts = median(() => lists.secrets.map((s: any) => toFacts(s, false)));
const one = median(() => exposureReport(typical, { namespace: 'team-0', name: 'shared-creds' }, gaps));
const oneCrowded = median(() => exposureReport(crowded, { namespace: 'team-0', name: 'shared-creds' }, gaps));
const all = median(() => secretInventory(inputs, undefined, gaps));
gc();
const heapAfter = process.memoryUsage().heapUsed;
const oneJson = median(() => JSON.stringify(oneCrowded.value));
const allJson = median(() => JSON.stringify(all.value));
const allTable = median(() =>
  renderTable(inventoryView.columns, all.value.items, { wide: false, noHeaders: false, color: false }),
);
const oneTable = median(() =>
  renderTable(exposureView(false).columns, useRows(oneCrowded.value.items), {
    wide: true,
    noHeaders: false,
    color: false,
  }),
);

// For comparison: the same table with plain padEnd, no cli-table3.
const plain = median(() => {
  const cols = inventoryView.columns.filter((c) => !c.wide);
  const cells = [
    cols.map((c) => c.header.toUpperCase()),
    ...all.value.items.map((r) => cols.map((c) => c.value(r) || '<none>')),
  ];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]! + 3))).join(''))
    .join('\n');
});

const rows: Array<[string, { ms: number; cpuMs: number }, string]> = [
  ['JSON.parse of the lists (baseline)', parse, `${mib(bytes)}`],
  ['Secrets → facts (keys, sizes; values dropped)', facts, `${lists.secrets.length} Secrets`],
  [
    'one Secret, its namespace (1/50 of the objects)',
    one,
    `${one.value.items.length} consumers, ${typical.pods.length} pods`,
  ],
  [
    'one Secret used by all 10k pods in one namespace (worst)',
    oneCrowded,
    `${oneCrowded.value.items.length} consumers, ${useRows(oneCrowded.value.items).length} uses`,
  ],
  ['-A inventory', all, `${all.value.items.length} rows, findings ${JSON.stringify(all.value.metadata.findings)}`],
  ['  -o json of the worst one-Secret report', oneJson, `${mib(oneJson.value.length)}`],
  ['  -o json of the inventory', allJson, `${mib(allJson.value.length)}`],
  ['  -o wide table of the worst one-Secret report', oneTable, `${oneTable.value.split('\n').length - 2} rows`],
  [
    '  table of the inventory',
    allTable,
    `${allTable.value.split('\n').length - 2} rows (src/output/table.ts, cli-table3)`,
  ],
  ['  same table with plain padEnd (comparison)', plain, 'not used by the CLI'],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'step'.padEnd(width)}   wall ms   cpu ms   × parse   notes`);
for (const [name, t, note] of rows) {
  console.log(
    `${name.padEnd(width)}   ${t.ms.toFixed(1).padStart(7)}   ${t.cpuMs.toFixed(1).padStart(6)}   ${(t.ms / parse.ms).toFixed(2).padStart(6)}×   ${note}`,
  );
}
console.log(
  `\nheap: ${mib(heapBefore)} before, ${mib(heapLists)} with the parsed lists (+${mib(heapLists - heapBefore)}), ${mib(heapAfter)} after analysis; rss ${mib(process.memoryUsage().rss)}`,
);
const worst = Math.max(oneCrowded.ms + oneTable.ms, all.ms + allTable.ms);
console.log(
  `target: analysis + printing ≤ 1000 ms after the lists arrive: worst ${worst.toFixed(0)} ms ${worst <= 1000 ? '(met)' : '(MISSED)'}`,
);
