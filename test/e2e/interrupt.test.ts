// Ctrl-C, SIGTERM and SIGHUP sent to the built bundle in the middle of a
// command: it exits at once with 128 + the signal's number and prints nothing
// on stdout. The cluster commands hang on a real request to the local API
// server through a proxy that stalls its tunnel, so the signal always lands
// mid-request; audit is stopped while it is reading stdin.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyYaml, freshNamespace, useCluster, waitFor } from '../harness/cluster.js';
import { startConnectProxy, type TestProxy } from '../harness/proxies.js';
import { BUNDLE, REPO, ensureBundle } from '../harness/runCli.js';

let ns: string;
let stalled: TestProxy;

beforeAll(async () => {
  ensureBundle();
  ns = await freshNamespace('interrupt');
  await applyYaml('apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: not-shown}\n', ns);
  stalled = await startConnectProxy({ stall: true });
});

afterAll(async () => {
  await stalled?.close();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Bit n-1 of /proc/PID/status SigCgt is set once the process catches signal n. */
function catches(pid: number, signals: number[]): boolean {
  const line = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  const mask = BigInt(`0x${line}`);
  return signals.every((n) => (mask >> BigInt(n - 1)) & 1n);
}

/** Starts the bundle, waits until `ready()`, sends `signal`, and collects the result. */
async function interrupt(
  args: string[],
  signal: NodeJS.Signals,
  opts: { ready?: () => boolean; stdin?: string; env?: NodeJS.ProcessEnv },
): Promise<Run> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    KUBECONFIG: useCluster().kubeconfig,
    ...opts.env,
  };
  const child = spawn(process.execPath, [BUNDLE, ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<Run>((resolve) =>
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr })),
  );
  if (opts.stdin !== undefined) child.stdin.write(opts.stdin); // and left open: the command is still reading
  await waitFor(() => catches(child.pid!, [1, 2, 15]) && (opts.ready?.() ?? true), {
    what: 'the command to be under way',
    timeout: 20_000,
  });
  expect(child.exitCode).toBeNull(); // still running when the signal is sent
  child.kill(signal);
  return closed;
}

describe('a signal mid-command (built bundle)', () => {
  it('SIGINT during who-can, waiting on the API server: exit 130, nothing on stdout', async () => {
    const before = stalled.tunnels.length;
    const r = await interrupt(['who-can', 'db', '-n', ns, '-o', 'json'], 'SIGINT', {
      env: { KUBECONFIG: kubeconfigVia(stalled.url) },
      ready: () => stalled.tunnels.length > before,
    });
    expect(r).toMatchObject({ code: 130, signal: null, stdout: '' });
  });

  it('SIGTERM during exposure -A: exit 143, nothing on stdout', async () => {
    const before = stalled.tunnels.length;
    const r = await interrupt(['exposure', '-A', '-o', 'yaml'], 'SIGTERM', {
      env: { KUBECONFIG: kubeconfigVia(stalled.url) },
      ready: () => stalled.tunnels.length > before,
    });
    expect(r).toMatchObject({ code: 143, signal: null, stdout: '' });
  });

  it('SIGHUP during audit reading stdin: exit 129, nothing on stdout', async () => {
    const line = JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      stage: 'ResponseComplete',
      auditID: 'a1',
      verb: 'get',
      user: { username: 'alice' },
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: '2026-01-01T00:00:00Z',
      stageTimestamp: '2026-01-01T00:00:00Z',
    });
    const r = await interrupt(['audit', '--log', '-'], 'SIGHUP', { stdin: `${line}\n` });
    expect(r).toMatchObject({ code: 129, signal: null, stdout: '' });
  });
});

/** The admin kubeconfig with a proxy-url (which, as in client-go, applies even to 127.0.0.1). */
function kubeconfigVia(proxyUrl: string): string {
  const doc = yaml.load(readFileSync(useCluster().kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: Record<string, unknown> }>;
  };
  doc.clusters[0]!.cluster['proxy-url'] = proxyUrl;
  const file = join(mkdtempSync(join(tmpdir(), 'interrupt-')), 'kubeconfig');
  writeFileSync(file, yaml.dump(doc));
  return file;
}
