import { describe, expect, it } from 'vitest';
import {
  objectRefMatches,
  secretRefsOfObject,
  type GatewayLike,
  type IngressLike,
  type ReferencingObject,
  type SecretProviderClassLike,
  type ServiceAccountLike,
  type StorageClassLike,
} from '../../../src/consumers/object-refs.js';

const sa: ServiceAccountLike = {
  kind: 'ServiceAccount',
  metadata: { name: 'builder', namespace: 'ci' },
  secrets: [{ name: 'builder-token' }],
  imagePullSecrets: [{ name: 'regcred' }, { name: '' }],
};
const ingress: IngressLike = {
  kind: 'Ingress',
  metadata: {
    name: 'web',
    namespace: 'prod',
    annotations: {
      'nginx.ingress.kubernetes.io/auth-secret': 'basic-auth',
      'nginx.ingress.kubernetes.io/auth-tls-secret': 'certs/client-ca',
    },
  },
  spec: {
    tls: [
      { hosts: ['a.example.com', 'b.example.com'], secretName: 'web-tls' },
      { secretName: 'fallback-tls' },
      { hosts: ['x'] },
    ],
  },
};
const gateway: GatewayLike = {
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: 'infra' },
  spec: {
    listeners: [
      { name: 'http' },
      {
        name: 'https',
        hostname: '*.example.com',
        tls: {
          certificateRefs: [
            { name: 'wildcard-tls' },
            { kind: 'Secret', group: '', name: 'shared-tls', namespace: 'certs' },
            { group: 'example.com', kind: 'Vault', name: 'not-a-secret' },
            { kind: 'ConfigMap', name: 'not-a-secret-either' },
          ],
        },
      },
    ],
    tls: { backend: { clientCertificateRef: { name: 'backend-client' } } },
  },
};
const storageClass: StorageClassLike = {
  kind: 'StorageClass',
  metadata: { name: 'fast' },
  provisioner: 'rbd.csi.ceph.com',
  parameters: {
    'csi.storage.k8s.io/provisioner-secret-name': 'csi-provisioner',
    'csi.storage.k8s.io/provisioner-secret-namespace': 'ceph',
    'csi.storage.k8s.io/node-stage-secret-name': '${pvc.name}-stage',
    'csi.storage.k8s.io/node-stage-secret-namespace': '${pvc.namespace}',
    'csi.storage.k8s.io/controller-expand-secret-name': 'expand',
    csiNodePublishSecretName: 'legacy-publish',
    csiNodePublishSecretNamespace: 'ceph',
    adminSecretName: 'ceph-admin',
    adminSecretNamespace: 'kube-system',
    pool: 'rbd',
  },
};
const spc: SecretProviderClassLike = {
  kind: 'SecretProviderClass',
  metadata: { name: 'azure-sync', namespace: 'default' },
  spec: {
    provider: 'azure',
    secretObjects: [
      { secretName: 'foosecret', type: 'Opaque', data: [{ objectName: 'secretalias', key: 'username' }] },
    ],
  },
};

const summary = (obj: ReferencingObject) =>
  secretRefsOfObject(obj).map((r) => [
    r.kind,
    `${r.namespace}/${r.secret}`,
    r.pointer,
    r.detail,
    ...(r.template ? [r.template] : []),
  ]);

describe('secretRefsOfObject', () => {
  it('ServiceAccount: secrets and imagePullSecrets', () => {
    expect(summary(sa)).toEqual([
      ['serviceAccountSecret', 'ci/builder-token', '/secrets/0/name', 'secrets'],
      ['serviceAccountPullSecret', 'ci/regcred', '/imagePullSecrets/0/name', 'imagePullSecrets'],
    ]);
  });

  it('Ingress: spec.tls[].secretName and the ingress-nginx secret annotations', () => {
    expect(summary(ingress)).toEqual([
      ['ingressTLS', 'prod/web-tls', '/spec/tls/0/secretName', 'hosts a.example.com,b.example.com'],
      ['ingressTLS', 'prod/fallback-tls', '/spec/tls/1/secretName', 'default host'],
      [
        'ingressAnnotation',
        'prod/basic-auth',
        '/metadata/annotations/nginx.ingress.kubernetes.io~1auth-secret',
        'auth-secret',
      ],
      [
        'ingressAnnotation',
        'certs/client-ca',
        '/metadata/annotations/nginx.ingress.kubernetes.io~1auth-tls-secret',
        'auth-tls-secret',
      ],
    ]);
  });

  it('Gateway: certificateRefs of kind Secret (the default), across namespaces, and the backend client certificate', () => {
    expect(summary(gateway)).toEqual([
      [
        'gatewayCertificate',
        'infra/wildcard-tls',
        '/spec/listeners/1/tls/certificateRefs/0/name',
        'listener https (*.example.com)',
      ],
      [
        'gatewayCertificate',
        'certs/shared-tls',
        '/spec/listeners/1/tls/certificateRefs/1/name',
        'listener https (*.example.com)',
      ],
      [
        'gatewayClientCertificate',
        'infra/backend-client',
        '/spec/tls/backend/clientCertificateRef/name',
        'backend client certificate',
      ],
    ]);
  });

  it('StorageClass: CSI secret parameter pairs, deprecated and in-tree forms, templates', () => {
    expect(summary(storageClass)).toEqual([
      [
        'storageClassParameter',
        'ceph/csi-provisioner',
        '/parameters/csi.storage.k8s.io~1provisioner-secret-name',
        'provisioner',
      ],
      [
        'storageClassParameter',
        '/',
        '/parameters/csi.storage.k8s.io~1node-stage-secret-name',
        'node-stage',
        { name: '${pvc.name}-stage', namespace: '${pvc.namespace}' },
      ],
      [
        'storageClassParameter',
        '/expand',
        '/parameters/csi.storage.k8s.io~1controller-expand-secret-name',
        'controller-expand',
        { namespace: '${pvc.namespace}' },
      ],
      ['storageClassParameter', 'ceph/legacy-publish', '/parameters/csiNodePublishSecretName', 'csiNodePublish'],
      ['storageClassParameter', 'kube-system/ceph-admin', '/parameters/adminSecretName', 'admin'],
    ]);
  });

  it('SecretProviderClass: secretObjects it produces, with their keys', () => {
    const [ref] = secretRefsOfObject(spc);
    expect(ref).toMatchObject({
      kind: 'secretProviderClassSync',
      secret: 'foosecret',
      namespace: 'default',
      keys: ['username'],
      pointer: '/spec/secretObjects/0/secretName',
    });
  });

  it('matches templated StorageClass references by pattern', () => {
    const [, stage, expand] = secretRefsOfObject(storageClass);
    expect(objectRefMatches(stage!, 'team-a', 'data-0-stage')).toBe(true);
    expect(objectRefMatches(stage!, 'team-a', 'stage')).toBe(false);
    expect(objectRefMatches(expand!, 'any', 'expand')).toBe(true);
    expect(objectRefMatches(expand!, 'any', 'expand2')).toBe(false);
    const [exact] = secretRefsOfObject(storageClass);
    expect(objectRefMatches(exact!, 'ceph', 'csi-provisioner')).toBe(true);
    expect(objectRefMatches(exact!, 'other', 'csi-provisioner')).toBe(false);
  });
});
