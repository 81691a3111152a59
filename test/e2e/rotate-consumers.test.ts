// rotate sees every consumer exposure sees (one shared scan): it switches
// the ServiceAccounts and Ingresses it can patch, keeps the version a
// StorageClass names (its parameters are immutable) and says why, and
// neither prune nor --retire deletes a version anything names.
import { afterAll, describe, expect, it } from 'vitest';
import { api, applyYaml } from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import {
  consumerYaml,
  createSecret,
  namespaces,
  rolloutsComplete,
  secretNames,
  templateRefs,
  useCluster,
} from './rotate-harness.js';

const spaces = namespaces();
const storageClasses: string[] = [];
afterAll(async () => {
  for (const sc of storageClasses) await api('DELETE', `/apis/storage.k8s.io/v1/storageclasses/${sc}`);
  await spaces.cleanup();
});

const cli = (args: string[]) => runCli(args, { kubeconfig: useCluster().kubeconfig });

describe('rotate and the consumers exposure knows', () => {
  it('keeps the version a StorageClass names, switches Ingresses and ServiceAccounts, never retires what is named', async () => {
    const ns = await spaces.fresh('rot-cons');
    const sc = `csi-${ns}`;
    await createSecret(ns, 'c', { password: 'old-password' });
    await applyYaml(
      `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ${sc}}
provisioner: example.csi.k8s.io
parameters:
  csi.storage.k8s.io/provisioner-secret-name: c
  csi.storage.k8s.io/provisioner-secret-namespace: ${ns}
`,
    );
    storageClasses.push(sc);
    await applyYaml(
      `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [shop.example], secretName: c}]
  defaultBackend: {service: {name: web, port: {number: 443}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: puller}
imagePullSecrets: [{name: c}]
---
${consumerYaml('Deployment', 'api', 'c', ['volume'])}`,
      ns,
    );
    await rolloutsComplete(ns);
    // Only the StorageClass keeps c: the Deployment keeps no revision history (rollout undo) that would.
    await api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/api`, {
      body: { spec: { revisionHistoryLimit: 0 } },
      contentType: 'application/merge-patch+json',
    });

    const exposure = await cli(['exposure', 'c', '-n', ns, '-o', 'json']);
    expect(exposure.code, exposure.stderr).toBe(0);
    const exposed = JSON.parse(exposure.stdout).items.map((i: any) => `${i.kind}/${i.name}`);
    expect(exposed).toEqual(
      expect.arrayContaining([`StorageClass/${sc}`, 'Ingress/web', 'ServiceAccount/puller', 'Deployment/api']),
    );

    const dry = await cli(['rotate', 'c', '-n', ns, '--from-literal', 'password=new-1', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).not.toMatch(/no workload uses it|No consumers/i);
    expect(dry.stdout).toMatch(
      new RegExp(
        `StorageClass/${sc} +storageClassParameter +skip +skipped +StorageClass parameters cannot change: it keeps c \\(provisioner\\)`,
      ),
    );
    expect(dry.stdout).toMatch(/Ingress\/web +ingressTLS +repoint +planned/);

    const r = await cli([
      'rotate',
      'c',
      '-n',
      ns,
      '--from-literal',
      'password=new-1',
      '--yes',
      '--timeout',
      '60s',
      '-o',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).items.map((i: any) => `${i.kind}/${i.name} ${i.action} ${i.state}`);
    expect(rows).toEqual([
      'Deployment/api repoint rolled-out',
      'ServiceAccount/puller repoint updated',
      'Ingress/web repoint updated',
      `StorageClass/${sc} skip skipped`,
    ]);
    expect(Object.values(await templateRefs(ns))).toEqual([['c-v2']]);
    const ingress = await api('GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/web`);
    expect(ingress.body.spec.tls[0].secretName).toBe('c-v2');
    const sa = await api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/puller`);
    expect(sa.body.imagePullSecrets).toEqual([{ name: 'c-v2' }]);

    // --retire keeps c: the StorageClass still names it.
    const planned = await cli(['rotate', 'c', '-n', ns, '--retire', '--dry-run']);
    expect(planned.stdout).toContain(`keep c: still in use (StorageClass/${sc})`);
    const retired = await cli(['rotate', 'c', '-n', ns, '--retire', '--yes', '-o', 'json']);
    expect(retired.code, retired.stderr).toBe(0);
    expect(JSON.parse(retired.stdout).metadata).toMatchObject({ deleted: [], keptInUse: ['c'] });

    // Prune beyond --keep 1 never deletes c.
    const again = await cli([
      'rotate',
      'c',
      '-n',
      ns,
      '--from-literal',
      'password=new-2',
      '--keep',
      '1',
      '--yes',
      '--timeout',
      '60s',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`c: kept (version 1, still named by StorageClass/${sc})`);
    expect(await secretNames(ns)).toEqual(expect.arrayContaining(['c', 'c-v3']));
  });
});
