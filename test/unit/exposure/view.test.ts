import { describe, expect, it } from 'vitest';
import { describeSecret, describeUse } from '../../../src/cli/exposure-view.js';
import { kubectlName } from '../../../src/output/names.js';
import type { Use } from '../../../src/exposure/types.js';
import { runCli } from '../../harness/runCli.js';

const use = (u: Partial<Use>): Use => ({
  via: 'env',
  keys: [],
  allKeys: false,
  optional: false,
  update: { verdict: 'restart', reason: '' },
  risks: [],
  ...u,
});

describe('how a use reads in the table', () => {
  it.each([
    [use({ via: 'env', env: 'DB_PASSWORD', keys: ['password'] }), 'env DB_PASSWORD ← password'],
    [
      use({ via: 'env', env: 'X', keys: ['k'], optional: true, revision: 'old' }),
      'env X ← k (optional) [old revision]',
    ],
    [use({ via: 'envFrom', prefix: 'DB_', allKeys: true }), 'envFrom prefix DB_'],
    [
      use({ via: 'volume', volume: 'v', mountPath: '/etc/db', mode: '0400', readOnly: true }),
      'file /etc/db (0400, ro)',
    ],
    [
      use({
        via: 'volume',
        volume: 'v',
        mountPath: '/etc/pw',
        subPath: 'password',
        mode: '0644',
        readOnly: false,
        optional: true,
      }),
      'file /etc/pw (subPath password, 0644, rw, optional)',
    ],
    [
      use({
        via: 'projected',
        volume: 'all',
        mountPath: '/p',
        mode: '0644',
        files: [{ key: 'k', path: 'p', mode: '0400' }],
        readOnly: true,
      }),
      'projected file /p (0400, ro)',
    ],
    [use({ via: 'volume', volume: 'v', mode: '0644' }), 'volume v (not mounted)'],
    [
      use({ via: 'csi', volume: 'store', plugin: 'csi:secrets-store.csi.k8s.io' }),
      'csi credentials secrets-store.csi.k8s.io (volume store)',
    ],
    [use({ via: 'volumePlugin', volume: 'v', plugin: 'cephfs' }), 'cephfs credentials (volume v)'],
    [use({ via: 'imagePullSecret' }), 'imagePullSecret'],
    [
      use({ via: 'inheritedPullSecret', inheritedFrom: 'ServiceAccount/builder' }),
      'imagePullSecret via ServiceAccount/builder',
    ],
    [
      use({ via: 'serviceAccountPullSecret', detail: 'imagePullSecrets (inherited by 3 workloads)' }),
      'imagePullSecrets (inherited by 3 workloads)',
    ],
    [use({ via: 'ingressTLS', detail: 'hosts a.example.com' }), 'tls hosts a.example.com'],
    [use({ via: 'gatewayCertificate', detail: 'listener https' }), 'certificateRef listener https'],
    [use({ via: 'storageClassParameter', detail: 'provisioner' }), 'parameter provisioner'],
    [
      use({ via: 'secretProviderClassSync', detail: 'synced by the Secrets Store CSI driver' }),
      'produces it (synced by the Secrets Store CSI driver)',
    ],
  ])('%#: %s', (u, text) => {
    expect(describeUse(u)).toBe(text);
  });

  it('names consumers the way kubectl does', () => {
    expect(kubectlName('Deployment', 'api')).toBe('deployment.apps/api');
    expect(kubectlName('CronJob', 'backup')).toBe('cronjob.batch/backup');
    expect(kubectlName('Pod', 'debug')).toBe('pod/debug');
    expect(kubectlName('StorageClass', 'fast')).toBe('storageclass.storage.k8s.io/fast');
  });

  it('sums up the Secret in one line: keys and sizes, manager and what to do', () => {
    expect(
      describeSecret({
        namespace: 'prod',
        name: 'db',
        exists: true,
        type: 'Opaque',
        keys: [{ name: 'password', size: 16, sha256: 'abcdef012345' }],
        keysKnown: true,
        manager: { manager: 'helm', by: 'release shop', evidence: 'x', hint: 'run helm upgrade' },
      }),
    ).toBe(
      'Secret prod/db: Opaque, 1 key (password 16B sha256:abcdef012345); managed by helm (release shop): run helm upgrade.\n',
    );
    expect(describeSecret({ namespace: 'prod', name: 'db', exists: false, keysKnown: true })).toBe(
      'Secret prod/db does not exist.\n',
    );
    expect(describeSecret({ namespace: 'prod', name: 'db', exists: null, keysKnown: false })).toBe(
      'Secret prod/db: not readable, key checks skipped.\n',
    );
  });
});

describe('exposure flags are checked before any cluster is touched', () => {
  it.each([
    [
      ['exposure', 'Bad_Name'],
      'error: invalid Secret name "Bad_Name": use a lowercase DNS subdomain name such as db-creds\n',
    ],
    [
      ['exposure', 'db', '--metadata-only', '--show-hashes'],
      'error: --show-hashes needs Secret data: drop --metadata-only\n',
    ],
    [['exposure', 'db', '--chunk-size', '0'], 'error: invalid --chunk-size 0: use a positive whole number\n'],
    [
      ['exposure', 'db', '--fail-on', 'urgent'],
      'error: invalid value "urgent" for --fail-on (one of low, medium, high)\n',
    ],
  ])('%j', async (args, stderr) => {
    const result = await runCli(args, { env: { KUBECONFIG: '/nonexistent' } });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(stderr.trimEnd());
    expect(result.stdout).toBe('');
  });
});
