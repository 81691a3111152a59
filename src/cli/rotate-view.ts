import type { Report, View } from '../output/report.js';
import type { Prepared } from '../rotate/run-inspect.js';
import type { RetirePlan } from '../rotate/run.js';
import { rowName, type RotationRow } from '../rotate/report.js';

const RESOURCE_NAMES: Record<string, string> = {
  Deployment: 'deployment.apps',
  StatefulSet: 'statefulset.apps',
  DaemonSet: 'daemonset.apps',
  ReplicaSet: 'replicaset.apps',
  CronJob: 'cronjob.batch',
  Job: 'job.batch',
  Pod: 'pod',
  ReplicationController: 'replicationcontroller',
  ServiceAccount: 'serviceaccount',
  Ingress: 'ingress.networking.k8s.io',
};

const STATE_COLORS: Record<string, 'green' | 'red' | 'yellow' | 'gray'> = {
  'rolled-out': 'green',
  updated: 'green',
  failed: 'red',
  reverted: 'yellow',
  skipped: 'yellow',
  planned: 'gray',
};

export const ROTATION_VIEW: View<RotationRow> = {
  columns: [
    { header: 'Consumer', value: rowName },
    { header: 'Uses', value: (r) => r.uses.join(', ') || '-' },
    { header: 'Action', value: (r) => r.action },
    { header: 'State', value: (r) => r.state, color: (r) => STATE_COLORS[r.state] },
    { header: 'Message', value: (r) => r.message ?? '' },
  ],
  name: (r) => `${RESOURCE_NAMES[r.kind] ?? r.kind.toLowerCase()}/${r.name}`,
  empty: 'No consumers use this Secret.',
};

/** The lines above the consumer table of a plan: what will be created or written, and kept. */
export function planHeader(prepared: Prepared, dryRun: boolean): string[] {
  const { plan, merged, newVersion, journal } = prepared;
  const lines = [`Rotation plan for Secret ${plan.logical} in namespace ${plan.namespace} (${plan.mode}${dryRun ? ', dry run: nothing changes' : ''}):`];
  const keys = [
    merged.added.length ? `added ${merged.added.join(', ')}` : '',
    merged.changed.length ? `changed ${merged.changed.join(', ')}` : '',
    merged.unchanged.length ? `same value ${merged.unchanged.join(', ')}` : '',
    merged.carried.length ? `carried over ${merged.carried.join(', ')}` : '',
    merged.removed.length ? `removed ${merged.removed.join(', ')}` : '',
  ].filter((k) => k !== '');
  if (newVersion) {
    lines.push(`  new Secret: ${plan.to} (version ${journal.version}, type ${newVersion.type}${newVersion.immutable ? ', immutable' : ', mutable'}), replacing ${plan.from}`);
  } else {
    lines.push(`  update ${plan.from} in place (a copy of the old values goes to ${plan.logical}-previous for rollback)`);
  }
  lines.push(`  keys: ${keys.join('; ')}`);
  if (plan.mode === 'blue-green') {
    lines.push(`  when every rollout is healthy: ${plan.to} current, ${plan.from} previous; unused versions beyond --keep ${journal.keep} are deleted`);
  }
  lines.push(`  on failure: ${plan.mode === 'blue-green' ? `consumers go back to ${plan.from}` : 'the old values are written back and the restarted consumers restarted again'}`);
  return lines;
}

export function retireLines(plan: RetirePlan): string[] {
  const lines = [`current version: ${plan.current ?? '(none)'}`];
  for (const v of plan.inUse) lines.push(`  keep ${v.name}: still in use`);
  for (const v of plan.retire) lines.push(`  delete ${v.name}${v.version > 0 ? ` (version ${v.version}${v.stage ? `, ${v.stage}` : ''})` : ' (in-place backup)'}`);
  if (plan.retire.length === 0) lines.push('  nothing to delete');
  return lines;
}

export type RotationReport = Report<RotationRow>;
