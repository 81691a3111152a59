// exposure on a terminal: a spinner counts the items listed so far, and one lasting line gives the
// totals with the round trips made; off a terminal, stderr stays empty.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/app.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { applyYaml, deleteNamespace, freshNamespace, useCluster } from '../harness/cluster.js';

let ns = '';

const pod = (name: string, node: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${node}
  containers: [{name: app, image: registry.k8s.io/pause:3.10, envFrom: [{secretRef: {name: db}}]}]
`;

beforeAll(async () => {
  ns = await freshNamespace('exposure-progress');
  const node = useCluster().nodes[0]!;
  await applyYaml(
    `
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: not-a-real-value-1234}
${[0, 1].map((i) => pod(`app-${i}`, node)).join('')}`,
    ns,
  );
}, 60_000);

afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

function io(terminal: boolean) {
  const out = { stdout: '', stderr: '' };
  const stderr = terminal
    ? {
        isTTY: true,
        columns: 100,
        cursorTo: () => true,
        moveCursor: () => true,
        clearLine: () => true,
        write: (s: string) => ((out.stderr += s), true),
      }
    : { write: (s: string) => ((out.stderr += s), true) };
  return {
    out,
    io: {
      stdout: { write: (s: string) => ((out.stdout += s), true) },
      stderr,
      stdin: Object.assign(Readable.from([]), { isTTY: terminal }),
      env: { KUBECONFIG: useCluster().kubeconfig, NO_COLOR: '1' },
    },
  };
}

describe('exposure progress', () => {
  it('on a terminal: counts per resource while listing, then the totals and round trips', async () => {
    const { out, io: terminal } = io(true);
    expect(await main(['exposure', '-n', ns, '--chunk-size', '1'], terminal, COMMANDS)).toBe(0);
    // the spinner starts with the first page (later texts show at its own pace)
    expect(out.stderr).toMatch(/listing [^\n]*round trip/);
    // kinds with as many items are listed in the order their lists arrived
    expect(out.stderr).toMatch(/listed [^\n]*\b2 pods\b[^\n]*\((\d+) round trips\) in \d+\.\d s\n/);
    const trips = Number(/\((\d+) round trips\) in/.exec(out.stderr)![1]);
    expect(trips).toBeGreaterThanOrEqual(3); // two pages of pods, and the other lists
    expect(out.stdout).toMatch(/\bdb\b/);
  });

  it('off a terminal: nothing on stderr', async () => {
    const { out, io: pipe } = io(false);
    expect(await main(['exposure', '-n', ns], pipe, COMMANDS)).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/\bdb\b/);
  });
});
