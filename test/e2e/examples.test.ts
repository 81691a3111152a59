// Every example of every command's --help (test/unit/cli/examples.test.ts
// checks they are shown) runs as shown: through bash, as `kubectl secrets ...` (kubectl finds the built
// plugin on PATH), against a cluster of its own seeded with the demo scenario
// (test/cluster/demo), in a directory holding its audit.log. The cluster is
// separate because the scenario's ClusterRoleBindings would change the
// answers other e2e tests expect from the shared one.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up, type Cluster } from '../cluster/cluster.mjs';
import { seedDemo } from '../cluster/demo/seed.mjs';
import { commandName } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { BUNDLE, ensureBundle } from '../harness/runCli.js';

const PROGRAM = 'kubectl secrets';
/** The value the rotate examples put in; it must never be printed. */
const NEW_TOKEN = 'example-token-9f3c1e';

let cluster: Cluster;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ensureBundle();
  cluster = await up({ name: 'examples' });
  seedDemo(cluster);
  const bin = mkdtempSync(join(tmpdir(), 'examples-bin-'));
  const shim = join(bin, 'kubectl-secrets');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BUNDLE}" "$@"\n`);
  chmodSync(shim, 0o755);
  writeFileSync(join(cluster.dir, 'token.txt'), NEW_TOKEN);
  writeFileSync(join(cluster.dir, 'leaked.txt'), NEW_TOKEN);
  env = {
    PATH: `${bin}:${cluster.binDir}:${process.env.PATH}`,
    HOME: mkdtempSync(join(tmpdir(), 'examples-home-')),
    KUBECONFIG: cluster.kubeconfig,
    NO_COLOR: '1',
  };
}, 600_000);

afterAll(async () => {
  if (cluster) await down(cluster);
});

const shown = (command: string): string => command.replace(/\$0/g, PROGRAM);
const visible = COMMANDS.filter((c) => !c.hidden);

describe.each(visible.map((c) => [commandName(c), c] as const))('%s', (_name, spec) => {
  it('every example runs as shown against the demo scenario', () => {
    for (const example of spec.examples ?? []) {
      const line = shown(example.command);
      const r = spawnSync('bash', ['-c', line], { cwd: cluster.dir, env, encoding: 'utf8', timeout: 180_000 });
      const expected = example.exitCode ?? 0;
      expect({ line, code: r.status, stderr: r.status === expected ? '' : r.stderr }).toEqual({
        line,
        code: expected,
        stderr: '',
      });
      expect(r.stderr, line).not.toMatch(/^error:/m);
      expect(`${r.stdout}${r.stderr}`, line).not.toContain(NEW_TOKEN);
      expect(`${r.stdout}${r.stderr}`, line).not.toContain('new-demo-value');
    }
  });
});
