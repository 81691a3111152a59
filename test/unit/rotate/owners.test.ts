import { describe, expect, it } from 'vitest';
import { managedWorkloadAdvice, rotationBlocker, rotationCaveat, workloadManager } from '../../../src/rotate/owners.js';
import { secret } from './builders.js';

describe('rotationBlocker', () => {
  it('lets a Secret managed by hand through', () => {
    expect(rotationBlocker(secret('db'))).toBeUndefined();
  });

  it.each([
    [
      'ExternalSecret owner',
      {
        ownerReferences: [
          { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'db', uid: 'u', controller: true },
        ],
      },
      /External Secrets Operator \(ExternalSecret\/db\)/,
      /force-sync/,
    ],
    [
      'SealedSecret owner',
      {
        ownerReferences: [
          { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db', uid: 'u', controller: true },
        ],
      },
      /Sealed Secrets/,
      /kubeseal/,
    ],
    [
      'cert-manager',
      { annotations: { 'cert-manager.io/certificate-name': 'web' } },
      /cert-manager \(Certificate\/web\)/,
      /cmctl renew web/,
    ],
    [
      'Helm',
      { annotations: { 'meta.helm.sh/release-name': 'shop' }, labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
      /Helm \(release shop\)/,
      /helm upgrade/,
    ],
  ])('refuses a Secret managed by %s and says what to do instead', (_what, meta, manager, instead) => {
    const blocker = rotationBlocker(secret('db', meta as never));
    expect(blocker?.manager).toMatch(manager);
    expect(blocker?.instead).toMatch(instead);
  });

  it('refuses service-account tokens', () => {
    const token = {
      ...secret('sa-token', { annotations: { 'kubernetes.io/service-account.name': 'builder' } }),
      type: 'kubernetes.io/service-account-token',
    };
    expect(rotationBlocker(token)?.manager).toMatch(/service-account token controller/);
  });

  it('only warns about kustomize-generated names', () => {
    const generated = secret('db-5fm8k2kt4g');
    expect(rotationBlocker(generated)).toBeUndefined();
    expect(rotationCaveat(generated)).toMatch(/kustomize/);
  });
});

describe('workloadManager', () => {
  it('detects Helm, Argo CD, Flux and other managers', () => {
    expect(workloadManager({ annotations: { 'meta.helm.sh/release-name': 'shop' } })).toBe('Helm (release shop)');
    expect(workloadManager({ labels: { 'argocd.argoproj.io/instance': 'shop' } })).toBe('Argo CD');
    expect(workloadManager({ annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:x/y' } })).toBe(
      'Argo CD',
    );
    expect(workloadManager({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } })).toBe('Flux');
    expect(workloadManager({ labels: { 'app.kubernetes.io/managed-by': 'pulumi' } })).toBe('pulumi');
    expect(workloadManager({ labels: { app: 'x' } })).toBeUndefined();
    expect(managedWorkloadAdvice('Helm')).toMatch(/helm upgrade/);
  });
});
