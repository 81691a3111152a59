// The local control plane fails loudly and fast: one `error: cluster up: <step> failed`
// line naming the step and the log file, never a hang, and nothing left running.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError, up } from '../cluster/cluster.mjs';
import { useCluster } from '../harness/cluster.js';
import { REPO } from '../harness/runCli.js';

const held: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  // Health probes may still be connected: close them, or close() waits for ever.
  for (const s of sockets.splice(0)) s.destroy();
  while (held.length) await new Promise((r) => held.pop()!.close(r));
});

/** Takes a free port and keeps it, accepting connections that never get an answer. */
async function holdPort(): Promise<number> {
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  held.push(server);
  return (server.address() as { port: number }).port;
}

async function upFails(options: Parameters<typeof up>[0]): Promise<ClusterError> {
  const started = Date.now();
  const err = await up({ controllers: false, binDir: useCluster().binDir, ...options }).then(
    () => new Error('up succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClusterError);
  expect(Date.now() - started).toBeLessThan(90_000);
  const first = (err as ClusterError).format().split('\n')[0]!;
  expect(first).toMatch(/^error: cluster up: .+ failed: /);
  return err as ClusterError;
}

/**
 * A failed `up` keeps its state directory, whose logs its error names (the user reads them there); once the
 * test has read the error, it removes the directory, or every run would leave two under the cache's run/.
 */
function removeStateDir(err: ClusterError): void {
  const dir = /\(log: (.+)\/logs\/[^/]+\)$/.exec(err.message)?.[1];
  expect(dir).toBeDefined();
  rmSync(dir!, { recursive: true, force: true });
}

describe('cluster up faults', () => {
  it('a port in use: the component that cannot bind is named, with its log', async () => {
    const port = await holdPort();
    const err = await upFails({ name: 'fault-port', ports: { apiserver: port } });
    expect(err.message).toMatch(/kube-apiserver|apiserver/);
    expect(err.message).toMatch(/\(log: .*apiserver\.log\)$/);
    expect(err.tail).toMatch(/address already in use/);
    removeStateDir(err);
  });

  it('a component that exits at start (etcd without its port) is reported with its log tail', async () => {
    const port = await holdPort();
    const err = await upFails({ name: 'fault-etcd', ports: { etcd: port } });
    expect(err.step).toMatch(/etcd/);
    expect(err.message).toMatch(/\(log: .*etcd\.log\)$/);
    expect(err.format().split('\n').length).toBeGreaterThan(1);
    removeStateDir(err);
  });

  it('a stale, non-empty state directory is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stale-cluster-'));
    writeFileSync(join(dir, 'cluster.json'), '{}');
    const err = await upFails({ dir });
    expect(err.message).toBe(
      `cluster up: prepare state dir failed: ${dir} already exists and is not empty (stale? remove it first)`,
    );
  });

  it('missing binaries are named', async () => {
    const err = await upFails({ binDir: '/nonexistent/bin' });
    expect(err.message).toBe('cluster up: find binaries failed: /nonexistent/bin/kube-local is missing');
  });
});

describe('cluster build faults', () => {
  it('no Go toolchain: one error line before anything else', () => {
    const bin = mkdtempSync(join(tmpdir(), 'no-go-'));
    mkdirSync(join(bin, 'bin'));
    for (const tool of ['bash', 'dirname', 'cat', 'sha256sum', 'cut']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bin, 'bin', tool));
    }
    const r = spawnSync(join(bin, 'bin', 'bash'), [join(REPO, 'test/cluster/build.sh')], {
      env: { PATH: join(bin, 'bin'), HOME: bin },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('error: cluster build: no Go toolchain on PATH (install Go 1.26 or newer)');
  });
});
