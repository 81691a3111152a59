import type { Color, View } from '../output/report.js';
import type { InventoryRow } from '../exposure/report.js';
import { worstOf, type Consumer, type SecretSummary, type Use, type Worst } from '../exposure/types.js';
import { kubectlName } from '../output/names.js';
import { safeText } from '../output/safe-text.js';

/** One table row of an ExposureReport: a consumer and one of its uses. */
export interface UseRow {
  consumer: Consumer;
  use: Use;
}

export const useRows = (consumers: readonly Consumer[]): UseRow[] =>
  consumers.flatMap((consumer) => consumer.uses.map((use) => ({ consumer, use })));

const SEVERITY_COLOR: Record<Worst, Color | undefined> = {
  high: 'red',
  medium: 'yellow',
  low: 'cyan',
  none: undefined,
};
const useWorst = (use: Use): Worst => worstOf(use.risks.map((r) => r.severity));
const dash = (s: string): string => (s === '' ? '-' : s);

export function exposureView(multiNamespace: boolean): View<UseRow> {
  return {
    columns: [
      ...(multiNamespace ? [{ header: 'namespace', value: (r: UseRow) => dash(r.consumer.namespace) }] : []),
      { header: 'consumer', value: (r) => `${r.consumer.kind}/${r.consumer.name}` },
      {
        header: 'ready',
        value: (r) =>
          r.consumer.replicas
            ? `${r.consumer.replicas.ready}/${r.consumer.replicas.desired ?? r.consumer.replicas.current}`
            : '-',
      },
      { header: 'container', value: (r) => containerLabel(r.use) },
      { header: 'how', value: (r) => describeUse(r.use) },
      { header: 'keys', value: (r) => (r.use.allKeys ? 'all' : dash(r.use.keys.join(','))) },
      { header: 'updates', value: (r) => UPDATE_LABELS[r.use.update.verdict] },
      {
        header: 'risk',
        value: (r) => (useWorst(r.use) === 'none' ? '-' : useWorst(r.use)),
        color: (r) => SEVERITY_COLOR[useWorst(r.use)],
      },
      { header: 'flags', value: (r) => dash([...new Set(r.use.risks.map((x) => x.id))].join(',')) },
      { header: 'nodes', wide: true, value: (r) => dash((r.consumer.nodes ?? []).join(',')) },
      { header: 'service-account', wide: true, value: (r) => r.consumer.serviceAccount ?? '-' },
      { header: 'reasons', wide: true, value: (r) => dash(r.use.risks.map((x) => `${x.id}: ${x.reason}`).join('; ')) },
    ],
    name: (r) => kubectlName(r.consumer.kind, r.consumer.name),
    empty: 'No consumers found.',
  };
}

const UPDATE_LABELS: Record<Use['update']['verdict'], string> = {
  live: 'live (~1m)',
  restart: 'restart',
  'next-use': 'next use',
  never: 'never (immutable)',
  none: '-',
};

function containerLabel(use: Use): string {
  if (use.container === undefined) return '-';
  if (use.containerType === 'initContainer') return `init:${use.container}`;
  if (use.containerType === 'ephemeralContainer') return `debug:${use.container}`;
  return use.container;
}

/** "env DB_PASSWORD ← password", "file /etc/db (0400, ro)", "tls hosts a.example.com", ... */
export function describeUse(use: Use): string {
  const optional = use.optional ? ', optional' : '';
  const old = use.revision === 'old' ? ' [old revision]' : '';
  switch (use.via) {
    case 'env':
      return `env ${use.env} ← ${use.keys[0] ?? '?'}${use.optional ? ' (optional)' : ''}${old}`;
    case 'envFrom':
      return `envFrom${use.prefix ? ` prefix ${use.prefix}` : ''}${use.optional ? ' (optional)' : ''}${old}`;
    case 'volume':
    case 'projected': {
      const what = use.via === 'projected' ? 'projected ' : '';
      if (use.mountPath === undefined) return `${what}volume ${use.volume} (not mounted${optional})${old}`;
      const mode = use.files?.length === 1 && use.files[0]!.mode ? use.files[0]!.mode : use.mode;
      const path = use.subPath !== undefined ? `${use.mountPath} (subPath ${use.subPath}, ` : `${use.mountPath} (`;
      return `${what}file ${path}${mode}, ${use.readOnly ? 'ro' : 'rw'}${optional})${old}`;
    }
    case 'csi':
      return `csi credentials ${use.plugin?.replace(/^csi:/, '')} (volume ${use.volume})${old}`;
    case 'volumePlugin':
      return `${use.plugin} credentials (volume ${use.volume})${old}`;
    case 'imagePullSecret':
      return `imagePullSecret${old}`;
    case 'inheritedPullSecret':
      return `imagePullSecret via ${use.inheritedFrom}`;
    case 'serviceAccountPullSecret':
      return `imagePullSecrets ${use.detail?.replace(/^imagePullSecrets\s*/, '') ?? ''}`.trim();
    case 'serviceAccountSecret':
      return 'secrets list';
    case 'serviceAccountToken':
      return use.detail ?? 'token';
    case 'ingressTLS':
      return `tls ${use.detail}`;
    case 'ingressAnnotation':
      return `annotation ${use.detail}`;
    case 'gatewayCertificate':
      return `certificateRef ${use.detail}`;
    case 'gatewayClientCertificate':
      return 'backend client certificate';
    case 'storageClassParameter':
      return `parameter ${use.detail}`;
    case 'secretProviderClassSync':
      return `produces it (${use.detail})`;
  }
}

/** JSON, YAML and -o name print consumers as they are (each consumer's name once); only the name matters here. */
export const consumerView: View<Consumer> = {
  columns: [],
  name: (c) => kubectlName(c.kind, c.name),
  empty: 'No consumers found.',
};

export const inventoryView: View<InventoryRow> = {
  columns: [
    { header: 'namespace', value: (r) => r.namespace },
    { header: 'name', value: (r) => r.name },
    { header: 'type', value: (r) => (r.exists === false ? '<missing>' : (r.type ?? '?')) },
    { header: 'keys', value: (r) => (r.keys === null ? '?' : String(r.keys)) },
    { header: 'consumers', value: (r) => String(r.consumers) },
    {
      header: 'risk',
      value: (r) => (r.worstRisk === 'none' ? '-' : r.worstRisk),
      color: (r) => SEVERITY_COLOR[r.worstRisk],
    },
    { header: 'manager', value: (r) => (r.manager ? `${r.manager}${r.managedBy ? ` (${r.managedBy})` : ''}` : '?') },
    {
      header: 'status',
      value: (r) => r.status,
      color: (r) => (r.status === 'missing' ? 'red' : r.status === 'unused' ? 'gray' : undefined),
    },
    { header: 'flags', wide: true, value: (r) => dash(r.risks.join(',')) },
    {
      header: 'used-by',
      wide: true,
      value: (r) => dash([...r.consumerNames, ...r.producers.map((p) => `${p} (produces)`)].join(',')),
    },
    { header: 'key-names', wide: true, value: (r) => dash((r.keyNames ?? []).join(',')) },
  ],
  name: (r) => `secret/${r.name}`,
  empty: 'No Secrets or references found.',
};

/** One or two lines about the Secret itself, printed above a table (on stderr). */
export function describeSecret(s: SecretSummary): string {
  const id = `Secret ${s.namespace}/${s.name}`;
  if (s.exists === false) return `${id} does not exist.\n`;
  if (s.exists === null) return `${id}: not readable, key checks skipped.\n`;
  const keys = s.keys
    ? `${s.keys.length} key${s.keys.length === 1 ? '' : 's'}${s.keys.length ? ` (${s.keys.map((k) => `${k.name} ${k.size}B${k.sha256 ? ` sha256:${k.sha256}` : ''}`).join(', ')})` : ''}`
    : 'keys not read';
  const type = s.type ?? 'type unknown';
  const immutable = s.immutable ? ', immutable' : '';
  const manager =
    !s.manager || s.manager.manager === 'none'
      ? 'managed by hand'
      : `managed by ${s.manager.manager}${s.manager.by ? ` (${s.manager.by})` : ''}`;
  const risks = (s.risks ?? []).map((r) => `  risk ${r.severity} ${r.id}: ${safeText(r.reason)}\n`).join('');
  // The type and the manager's names are the cluster's text: anything may be in them.
  return `${safeText(`${id}: ${type}, ${keys}${immutable}; ${manager}${s.manager ? `: ${s.manager.hint.replace(/^managed by hand: /, '')}` : ''}.`)}\n${risks}`;
}
