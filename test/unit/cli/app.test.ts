import { afterEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/app.js';
import { COMMANDS } from '../../../src/cli/commands.js';
import { defineCommand } from '../../../src/cli/command.js';
import { withConnection, withOutput, repeated } from '../../../src/cli/flags.js';
import type { IO } from '../../../src/cli/io.js';
import { fakeApiServer, kubeconfigFor, status } from '../kube/fake-apiserver.js';

/** A command that echoes what it parsed, or calls the API server, so the shared machinery can be tested alone. */
const probe = defineCommand({
  command: 'probe [name]',
  describe: 'test probe',
  builder: (y) =>
    withOutput(withConnection(y))
      .positional('name', { type: 'string' })
      .options({ call: { type: 'string' } }),
  handler: async (args, ctx) => {
    if (args.call) {
      await ctx.connect().get(args.call);
      return 0;
    }
    const kube = args.kubeconfig || args.context ? ctx.connect().target : undefined;
    ctx.io.stdout.write(
      JSON.stringify({
        name: args.name,
        output: args.output,
        namespace: args.namespace,
        all: args.allNamespaces,
        v: ctx.verbosity,
        asGroup: repeated(args.asGroup),
        noHeaders: args.noHeaders,
        target: kube,
      }),
    );
    return 0;
  },
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: IO = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env: { HOME: '/nonexistent-home', ...env },
  };
  const code = await main(args, io, [...COMMANDS, probe]);
  return { code, stdout, stderr };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('kubectl-style flags', () => {
  it.each([
    [['probe', 'x', '-ojson'], { output: 'json' }],
    [['probe', 'x', '-o=yaml'], { output: 'yaml' }],
    [['probe', 'x', '--output=wide'], { output: 'wide' }],
    [['probe', 'x', '-nprod'], { namespace: 'prod' }],
    [['probe', 'x', '--namespace=prod'], { namespace: 'prod' }],
    [['probe', 'x', '-A'], { all: true }],
    [['probe', 'x', '-v=6'], { v: 6 }],
    [['probe', 'x', '-v'], { v: 1 }],
    [['probe', 'x', '--no-headers'], { noHeaders: true }],
    [['probe', 'x', '--as', 'jane', '--as-group', 'a', '--as-group', 'b'], { asGroup: ['a', 'b'] }],
    // kubectl reads a name after -- as a name (yargs would leave it out, and the command run without one)
    [['probe', '-ojson', '--', 'x'], { output: 'json' }],
  ])('%j', async (args, expected) => {
    const r = await run(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'x', ...expected });
  });

  it('defaults the namespace to the context namespace, then "default"', async () => {
    const withNs = kubeconfigFor('https://127.0.0.1:1', 'team');
    expect(JSON.parse((await run(['probe', 'x', '--kubeconfig', withNs])).stdout).target.namespace).toBe('team');
    const without = kubeconfigFor('https://127.0.0.1:1');
    expect(JSON.parse((await run(['probe', 'x', '--kubeconfig', without])).stdout).target.namespace).toBe('default');
    expect(JSON.parse((await run(['probe', 'x', '--kubeconfig', withNs, '-n', 'other'])).stdout).target.namespace).toBe(
      'other',
    );
  });
});

describe('help', () => {
  it('lists the four subcommands', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['who-can <name>', 'exposure [name]', 'rotate <name>', 'audit [name]', 'completion <shell>'])
      expect(r.stdout).toContain(cmd);
    expect(r.stdout).not.toContain('__complete');
  });

  it('shows help with no arguments', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl secrets <command> [flags]');
  });

  it.each([
    ['who-can', ['--direct-only', '--verify', '--check', '--subject-kind', '--namespace', '--as-group', '--output']],
    ['exposure', ['--fail-on', '--all-namespaces', '--output']],
    ['rotate', ['--from-file', '--dry-run', '--resume', '--in-place', '--timeout']],
    ['audit', ['--log', '--since', '--until', '--denied-only', '--by']],
  ])('documents the flags of %s', async (cmd, flags) => {
    const r = await run([cmd, '--help']);
    expect(r.code).toBe(0);
    for (const flag of flags) expect(r.stdout).toContain(flag);
  });
});

describe('usage errors: one error line, a hint, exit 1', () => {
  it.each([
    [['nope'], 'error: unknown command "nope" for "kubectl secrets"', "See 'kubectl secrets --help' for usage."],
    [['probe', 'x', '--bogus'], 'error: unknown flag: --bogus', "See 'kubectl secrets probe --help' for usage."],
    [
      ['probe', 'x', '-o', 'xml'],
      'error: invalid value "xml" for --output (one of table, wide, json, yaml, name)',
      "See 'kubectl secrets probe --help' for usage.",
    ],
    [
      ['who-can'],
      'error: missing argument: usage is "kubectl secrets who-can <name>"',
      "See 'kubectl secrets who-can --help' for usage.",
    ],
    [['audit'], 'error: missing required argument: log', "See 'kubectl secrets audit --help' for usage."],
    [
      ['probe', 'x', '--namespace'],
      'error: not enough arguments following: namespace',
      "See 'kubectl secrets probe --help' for usage.",
    ],
    [
      ['probe', 'x', '-v=banana'],
      'error: invalid argument "banana" for "-v" flag: a log level is a whole number from 0',
      "See 'kubectl secrets probe --help' for usage.",
    ],
    [['probe', '--', '-x'], 'error: unexpected argument "-x"', "See 'kubectl secrets probe --help' for usage."],
    [['probe', 'x', '--', 'y'], 'error: unexpected argument "y"', "See 'kubectl secrets probe --help' for usage."],
    [
      ['exposure', ''],
      'error: invalid Secret name "": use a lowercase DNS subdomain name such as db-creds',
      "See 'kubectl secrets --help' for usage.",
    ],
    [
      ['audit', '', '--log', '-'],
      'error: invalid Secret name "": use a lowercase DNS subdomain name such as db-creds',
      "See 'kubectl secrets --help' for usage.",
    ],
    [
      ['probe', 'x', '-v=-3'],
      'error: invalid argument "-3" for "-v" flag: a log level is a whole number from 0',
      "See 'kubectl secrets probe --help' for usage.",
    ],
  ])('%j', async (args, first, second) => {
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([first, second, '']);
  });
});

describe('connection errors', () => {
  it('no kubeconfig at all', async () => {
    const r = await run(['probe', 'x', '--context', 'c'], { KUBECONFIG: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: no kubeconfig found (looked in /nonexistent-home/.kube/config and the in-cluster service account); pass --kubeconfig or set KUBECONFIG\n',
    );
  });

  it('a 403 is one line, with details and a stack trace only at -v', async () => {
    const s = await fakeApiServer((_req, res) => status(res, 403, 'Forbidden', 'roles is forbidden'));
    cleanups.push(s.close);
    const kc = kubeconfigFor(s.url);
    const quiet = await run(['probe', '--call', '/apis/rbac.authorization.k8s.io/v1/roles', '--kubeconfig', kc]);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe(
      `error: forbidden: roles is forbidden (${s.url} (context "test")); ask for that permission or run as someone who has it (--as)\n`,
    );
    const loud = await run(['probe', '--call', '/apis/rbac.authorization.k8s.io/v1/roles', '--kubeconfig', kc, '-v']);
    expect(loud.stderr.split('\n')[0]).toBe(quiet.stderr.trim());
    expect(loud.stderr).toContain('GET /apis/rbac.authorization.k8s.io/v1/roles');
    expect(loud.stderr).toMatch(/KubeApiError: roles is forbidden\n\s+at /);
  });

  it('an invalid --request-timeout is a usage error', async () => {
    const r = await run([
      'probe',
      '--call',
      '/x',
      '--kubeconfig',
      kubeconfigFor('https://127.0.0.1:1'),
      '--request-timeout',
      'soon',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: invalid --request-timeout "soon": use seconds (5) or a duration such as 30s or 2m (0 for none)',
    );
  });

  it('a namespace that is not a DNS label is refused before any request (-n .. listed every namespace)', async () => {
    const server = await fakeApiServer((_req, res) => res.end('{}'));
    cleanups.push(server.close);
    for (const ns of ['..', 'a/b', 'Shop']) {
      const r = await run(['probe', '--call', '/x', '--kubeconfig', kubeconfigFor(server.url), '-n', ns]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(`error: invalid namespace "${ns}": a lowercase DNS label such as prod`);
    }
    expect(server.requests.length).toBe(0);
  });

  it('--as-group without --as is refused like kubectl', async () => {
    const r = await run([
      'probe',
      '--call',
      '/x',
      '--kubeconfig',
      kubeconfigFor('https://127.0.0.1:1'),
      '--as-group',
      'g',
    ]);
    expect(r.stderr.split('\n')[0]).toBe('error: --as-group requires --as (as in kubectl)');
  });
});

describe('__complete (cobra protocol for shells and kubectl_complete-secrets)', () => {
  it.each([
    [
      [''],
      ['who-can', 'exposure', 'rotate', 'audit', 'investigate', 'least-privilege', 'completion', 'version', 'probe'],
    ],
    [['who'], ['who-can']],
    [['who-can', '--dir'], ['--direct-only']],
    [
      ['who-can', 'x', '-o', ''],
      ['table', 'wide', 'json', 'yaml', 'name', 'dot', 'mermaid'],
    ],
    [['who-can', 'x', '--output=j'], ['--output=json']],
    [
      ['completion', ''],
      ['bash', 'zsh', 'fish'],
    ],
    [['exposure', '--fail-on', 'h'], ['high']],
  ])('%j', async (words, candidates) => {
    const r = await run(['__complete', ...words]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${candidates.join('\n')}\n:4\n`);
  });

  it.each([
    ['audit', '--log', ''],
    ['investigate', '--value-from-file', ''],
    ['rotate', 'db', '--from-file', ''],
    ['rotate', 'db', '--from-env-file', ''],
    ['who-can', 'db', '--kubeconfig', ''],
  ])('lets files complete after %s %s %s', async (...words) => {
    const r = await run(['__complete', ...words]);
    expect(r.stdout).toBe(':0\n');
  });
});

describe('__complete asks the cluster the line names', () => {
  /** A fake API server answering a list of namespaces or Secrets with these names, and its kubeconfig. */
  async function cluster(names: string[]) {
    const s = await fakeApiServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'List', metadata: {}, items: names.map((name) => ({ metadata: { name } })) }));
    });
    cleanups.push(s.close);
    return { ...s, kubeconfig: kubeconfigFor(s.url) };
  }

  it('--kubeconfig FILE on the line: namespaces and Secrets of its cluster, its contexts', async () => {
    const other = await cluster(['prod-ns']);
    const env = { KUBECONFIG: kubeconfigFor('https://127.0.0.1:1') };
    const ns = await run(['__complete', 'who-can', '--kubeconfig', other.kubeconfig, '-n', ''], env);
    expect(ns.stdout).toBe('prod-ns\n:4\n');
    const secrets = await run(['__complete', 'exposure', `--kubeconfig=${other.kubeconfig}`, '-n', 'x', ''], env);
    expect(secrets.stdout).toBe('prod-ns\n:4\n');
    expect(other.requests).toEqual(['GET /api/v1/namespaces?limit=500', 'GET /api/v1/namespaces/x/secrets?limit=500']);
    const contexts = await run(['__complete', 'who-can', '--kubeconfig', other.kubeconfig, '--context', ''], env);
    expect(contexts.stdout).toBe('test\n:4\n');
  });

  it('--context=<TAB> and --namespace=<TAB> complete the value after the =, as --output= does', async () => {
    const c = await cluster(['shop', 'payments']);
    const run_ = (word: string) => run(['__complete', 'who-can', '--kubeconfig', c.kubeconfig, word]);
    expect((await run_('--context=')).stdout).toBe('--context=test\n:4\n');
    expect((await run_('--namespace=sh')).stdout).toBe('--namespace=shop\n:4\n');
    expect((await run_('-n=p')).stdout).toBe('-n=payments\n:4\n');
  });

  it('--context NAME on the line: the namespaces of that context, not the current one', async () => {
    const prod = await cluster(['in-prod']);
    const dev = await cluster(['in-dev']);
    const file = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
    writeFileSync(
      file,
      `current-context: dev
clusters: [{name: dev, cluster: {server: "${dev.url}"}}, {name: prod, cluster: {server: "${prod.url}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: dev, context: {cluster: dev, user: u}}, {name: prod, context: {cluster: prod, user: u}}]
`,
    );
    const r = await run(['__complete', 'who-can', '--context', 'prod', '-n', ''], { KUBECONFIG: file });
    expect(r.stdout).toBe('in-prod\n:4\n');
    expect(dev.requests).toEqual([]);
  });
});

describe('completion scripts', () => {
  it.each(['bash', 'zsh', 'fish'])('%s', async (shell) => {
    const r = await run(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl-secrets __complete');
  });
});
