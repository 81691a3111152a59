import { describe, expect, it } from 'vitest';
import { secretManager, type SecretMetaAndType } from '../../../src/consumers/owner.js';

const owner = (apiVersion: string, kind: string, name: string) => ({
  apiVersion,
  kind,
  name,
  uid: 'u',
  controller: true,
});

const cases: Array<[string, SecretMetaAndType, string, string | undefined]> = [
  [
    'ExternalSecret owner',
    { metadata: { name: 'db', ownerReferences: [owner('external-secrets.io/v1', 'ExternalSecret', 'db')] } },
    'external-secrets',
    'ExternalSecret/db',
  ],
  [
    'ESO annotations only',
    { metadata: { name: 'db', annotations: { 'reconcile.external-secrets.io/data-hash': 'abc' } } },
    'external-secrets',
    undefined,
  ],
  [
    'SealedSecret owner',
    { metadata: { name: 'db', ownerReferences: [owner('bitnami.com/v1alpha1', 'SealedSecret', 'db')] } },
    'sealed-secrets',
    'SealedSecret/db',
  ],
  [
    'cert-manager annotation',
    {
      type: 'kubernetes.io/tls',
      metadata: { name: 'web-tls', annotations: { 'cert-manager.io/certificate-name': 'web' } },
    },
    'cert-manager',
    'Certificate/web',
  ],
  [
    'cert-manager owner',
    { metadata: { name: 'web-tls', ownerReferences: [owner('cert-manager.io/v1', 'Certificate', 'web')] } },
    'cert-manager',
    'Certificate/web',
  ],
  [
    'Secrets Store CSI sync',
    { metadata: { name: 'foosecret', labels: { 'secrets-store.csi.k8s.io/managed': 'true' } } },
    'secrets-store-csi',
    undefined,
  ],
  [
    'ServiceAccount token',
    {
      type: 'kubernetes.io/service-account-token',
      metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } },
    },
    'service-account-token',
    'ServiceAccount/builder',
  ],
  [
    'bootstrap token',
    { type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-abcdef' } },
    'bootstrap-token',
    undefined,
  ],
  [
    'Helm release record',
    {
      type: 'helm.sh/release.v1',
      metadata: { name: 'sh.helm.release.v1.web.v3', labels: { owner: 'helm', name: 'web', version: '3' } },
    },
    'helm-release-record',
    'release web',
  ],
  [
    'Helm chart resource',
    {
      type: 'Opaque',
      metadata: {
        name: 'web-db',
        annotations: { 'meta.helm.sh/release-name': 'web' },
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
      },
    },
    'helm',
    'release web',
  ],
  [
    'Helm label only',
    { metadata: { name: 'web-db', labels: { 'app.kubernetes.io/managed-by': 'Helm' } } },
    'helm',
    undefined,
  ],
  [
    'Argo CD',
    { metadata: { name: 'x', annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/Secret:prod/x' } } },
    'gitops',
    'Argo CD shop',
  ],
  ['Flux', { metadata: { name: 'x', labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } } }, 'gitops', 'Flux apps'],
  ['kustomize hash suffix', { metadata: { name: 'db-creds-5g2m7tkhfb' } }, 'kustomize', undefined],
  [
    'other controller',
    { metadata: { name: 'x', ownerReferences: [owner('example.com/v1', 'Vault', 'v')] } },
    'controller',
    'Vault/v',
  ],
  ['nothing: by hand', { type: 'Opaque', metadata: { name: 'db-creds' } }, 'none', undefined],
  [
    'hex-looking suffix that kustomize cannot make (has a, e, 0, 1, 3)',
    { metadata: { name: 'db-creds-a0e13b2c4d' } },
    'none',
    undefined,
  ],
];

describe('secretManager', () => {
  it.each(cases)('%s', (_case, secret, manager, by) => {
    const found = secretManager(secret);
    expect(found.manager).toBe(manager);
    expect(found.by).toBe(by);
    expect(found.hint.length).toBeGreaterThan(10);
    expect(found.evidence.length).toBeGreaterThan(3);
  });

  it('prefers owner references over annotations and naming', () => {
    const found = secretManager({
      metadata: {
        name: 'db-5g2m7tkhfb',
        annotations: { 'meta.helm.sh/release-name': 'web' },
        ownerReferences: [owner('external-secrets.io/v1beta1', 'ExternalSecret', 'db')],
      },
    });
    expect(found.manager).toBe('external-secrets');
  });

  it('tells how to rotate instead of editing by hand', () => {
    expect(
      secretManager({ metadata: { name: 'web-db', annotations: { 'meta.helm.sh/release-name': 'web' } } }).hint,
    ).toMatch(/helm upgrade/);
    expect(secretManager({ metadata: { name: 'x' } }).hint).toMatch(/kubectl secrets rotate/);
  });
});
