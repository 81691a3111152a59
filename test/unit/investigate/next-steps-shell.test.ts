// investigate's next steps are commands to paste into a shell, built from names the cluster and the audit log
// give: each runs as the one command it says, whatever a binding, subject, pod or node is called. Checked by
// running them in bash with kubectl a function that prints the words it gets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSteps, type NextStep } from '../../../src/investigate/next-steps.js';
import type { Binding } from '../../../src/whocan/types.js';
import { BINDINGS_OLDER_THAN_WINDOW, subject } from './subjects.js';

const HOSTILE = [
  '--all -A #',
  'rb;touch${IFS}PWNED1;#',
  "o'$(touch PWNED2)'x",
  '`touch PWNED3`',
  'a b\tc',
  '-n',
  'x\\y"z',
  '*',
];

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, users: string[]): Binding => ({
  metadata: { name, ...(kind === 'RoleBinding' ? { namespace: 'canary' } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
  subjects: users.map((u) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: u })),
});

/** The steps for one hostile text used as every name the cluster and the log give. */
function stepsFor(text: string): NextStep[] {
  const ns = 'canary';
  const direct = (kind: 'RoleBinding' | 'ClusterRoleBinding') => {
    const id = { kind, name: text, ...(kind === 'RoleBinding' ? { namespace: ns } : {}) };
    return { path: 'direct' as const, verbs: ['get'], via: 'x', bindings: [id], grantsOnlyIt: [id] };
  };
  return nextSteps({
    secret: { namespace: ns, name: 'canary-app' },
    subjects: [
      subject({ name: text, paths: [direct('RoleBinding')] }),
      subject({ name: text, verdict: 'unused', reads: 0, paths: [direct('ClusterRoleBinding')] }),
      subject({ name: 'other', verdict: 'unused', reads: 0, paths: [direct('RoleBinding')] }),
      subject({
        kind: 'ServiceAccount',
        name: 'app',
        namespace: ns,
        verdict: 'not-authorised-now',
        pods: [`${ns}/${text}`],
      }),
      subject({
        kind: 'ServiceAccount',
        name: 'thief',
        namespace: ns,
        verdict: 'authorised',
        pods: [`${ns}/${text}`],
        nodes: [text],
      }),
    ],
    consumers: [],
    bindings: [binding('RoleBinding', text, [text, 'other']), binding('ClusterRoleBinding', text, [text])],
    manager: null,
    auditLogs: true,
    ...BINDINGS_OLDER_THAN_WINDOW,
    consumerPods: [],
    consumersKnown: true,
  });
}

/** The words kubectl gets when bash runs the command, one array per kubectl call; files it made in `dir`. */
function asBashRunsIt(command: string): { calls: string[][]; made: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'next-steps-'));
  const script = `kubectl() { printf '%s\\0' "$@"; printf '\\n\\0'; cat >/dev/null; }\n${command}\n`;
  const out = execFileSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', input: '' });
  const calls = out
    .split('\n\0')
    .filter((c) => c !== '')
    .map((c) => c.split('\0').filter((w, i, all) => i < all.length - 1 || w !== ''));
  return { calls, made: readdirSync(dir) };
}

describe('next steps run as the one command they say, whatever the names', () => {
  it.each(HOSTILE)('%s', (text) => {
    const steps = stepsFor(text).filter((s) => s.command !== null);
    expect(steps.map((s) => s.kind)).toEqual(
      expect.arrayContaining(['rotate', 'review-binding', 'remove-subject', 'revoke', 'isolate-pod', 'cordon-node']),
    );
    for (const step of steps) {
      const { calls, made } = asBashRunsIt(step.command!);
      expect(made, step.command!).toEqual([]);
      expect(calls, step.command!).toHaveLength(1);
      const words = calls[0]!;
      // The rotation and the quarantine policy name only the Secret's namespace and name.
      if (/^kubectl (secrets rotate|apply) /.test(step.command!)) continue;
      // Every name reaches kubectl as one word, after `--` when kubectl would take it for a flag.
      const names = words.filter((w) => w.includes(text));
      expect(names.length, step.command!).toBeGreaterThan(0);
      if (text.startsWith('-')) expect(words.slice(words.indexOf('--') + 1), step.command!).toContain(text);
    }
  });

  it('a JSON Patch that removes a subject names it exactly', () => {
    const text = "o'$(touch PWNED2)'x";
    const [patch] = nextSteps({
      secret: { namespace: 'canary', name: 'canary-app' },
      subjects: [
        subject({
          name: text,
          verdict: 'unused',
          reads: 0,
          paths: [
            {
              path: 'direct',
              verbs: ['get'],
              via: 'x',
              bindings: [{ kind: 'RoleBinding', name: 'rb', namespace: 'canary' }],
              grantsOnlyIt: [{ kind: 'RoleBinding', name: 'rb', namespace: 'canary' }],
            },
          ],
        }),
      ],
      consumers: [],
      bindings: [binding('RoleBinding', 'rb', ['other', text])],
      manager: { manager: 'helm', hint: 'helm upgrade' },
      auditLogs: true,
      ...BINDINGS_OLDER_THAN_WINDOW,
      consumerPods: [],
      consumersKnown: true,
    }).filter((s) => s.kind === 'remove-subject');
    const words = asBashRunsIt(patch!.command!).calls[0]!;
    expect(words.slice(0, 3)).toEqual(['patch', 'rolebinding', 'rb']);
    const json = JSON.parse(words[words.indexOf('-p') + 1]!) as unknown;
    expect(json).toEqual([
      { op: 'test', path: '/subjects/1/name', value: text },
      { op: 'remove', path: '/subjects/1' },
    ]);
  });

  it('plain names are printed as they are, as a person would type them', () => {
    const steps = stepsFor('readers');
    expect(steps.map((s) => s.command)).toContain('kubectl describe rolebinding readers -n canary');
    expect(steps.map((s) => s.command)).toContain('kubectl cordon readers');
  });
});
