// The bundle on the pinned Node.js prints nothing but the tool's own lines:
// Node >= 22 warns (DEP0040) when code outside node_modules loads the
// deprecated `punycode` builtin, and a bundle is outside node_modules.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBundle, runBuilt } from '../harness/runCli.js';

let kubeconfig: string;

beforeAll(() => {
  ensureBundle();
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'bundle-runtime-')), 'config');
  // Port 1 refuses at once: the command loads the client and fails with its own one-line error.
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: not-a-secret}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  );
}, 60_000);

describe('bundle on the pinned Node.js', () => {
  it('prints no runtime deprecation warning when it talks to a cluster', async () => {
    const r = await runBuilt(['who-can', 'db', '-n', 'x'], { kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('DeprecationWarning');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: cannot reach the API server/);
  });
});
