import type { PodContext } from './pod-context.js';
import type { Risk, RiskId, SecretState, Severity, Use } from './types.js';

/** Every risk flag, its usual severity and what it means (the table of docs/exposure-risks.md). */
export const RISK_CATALOG: Record<RiskId, { severity: Severity | 'varies'; summary: string }> = {
  'missing-secret': {
    severity: 'varies',
    summary:
      'the Secret does not exist: high when pods cannot start, medium for ingress/gateway/storage, low when optional or only an image pull secret',
  },
  'missing-key': {
    severity: 'varies',
    summary: 'a referenced key is not in the Secret: high (container or volume fails), low when optional',
  },
  privileged: {
    severity: 'high',
    summary: "the pod has a privileged container: its compromise is the node's, and every Secret on the node",
  },
  'host-pid': {
    severity: 'high',
    summary: "hostPID: processes can read the environment of other pods' processes on the node",
  },
  'host-path': {
    severity: 'medium',
    summary: "hostPath volume: the pod reaches node files (kubelet dirs hold other pods' Secrets)",
  },
  'host-network': {
    severity: 'medium',
    summary: "hostNetwork: the pod shares the node's network (node-local services, no NetworkPolicy)",
  },
  'env-var': {
    severity: 'medium',
    summary:
      'value in an environment variable: readable via /proc/PID/environ, inherited by child processes, shows up in crash dumps and debug output',
  },
  subpath: { severity: 'medium', summary: 'subPath mount: never updated, a rotated value needs a restart' },
  'file-mode': {
    severity: 'low',
    summary:
      'file mode wider than 0440 (defaultMode defaults to 0644: any user in the container can read it; fsGroup adds group read)',
  },
  'not-read-only': {
    severity: 'low',
    summary: 'mount without readOnly: true (secret volumes are read-only anyway since Kubernetes 1.10; state it)',
  },
  'token-automount': {
    severity: 'low',
    summary: 'the pod also mounts a ServiceAccount API token: whoever gets the Secret can also call the API',
  },
  'old-revision': {
    severity: 'low',
    summary: 'only pods of an older revision still use the Secret; the current template does not',
  },
  'shared-pull-secret': {
    severity: 'low',
    summary: `image pull secret on a ServiceAccount used by ${'≥'}5 workloads: wide distribution, wide breakage on rotation`,
  },
  'value-in-metadata': {
    severity: 'high',
    summary:
      "an annotation holds a copy of the data (kubectl apply's last-applied-configuration): whoever may read metadata reads the values",
  },
  'cross-namespace': {
    severity: 'low',
    summary: 'referenced from another namespace (Gateway with a ReferenceGrant, ingress annotation)',
  },
};

/** A ServiceAccount with an image pull secret used by this many workloads or more is flagged. */
export const SHARED_PULL_SECRET_THRESHOLD = 5;

const risk = (id: RiskId, severity: Severity, reason: string): Risk => ({ id, severity, reason });

/** Does the container see the value (env or a mounted file)? Only then do pod-level risks apply. */
export const reachesContainer = (use: Pick<Use, 'via' | 'container'>): boolean =>
  use.container !== undefined &&
  (use.via === 'env' || use.via === 'envFrom' || use.via === 'volume' || use.via === 'projected');

export function missingSecretRisk(
  use: Pick<Use, 'via' | 'optional'>,
  secret: SecretState,
  producers: readonly string[],
): Risk | undefined {
  if (secret.exists !== false) return undefined;
  const produced = producers.length ? `; ${producers.join(', ')} creates it once a pod mounts its volume` : '';
  if (use.optional)
    return risk(
      'missing-secret',
      'low',
      `the Secret does not exist; the reference is optional, so pods start without it${produced}`,
    );
  switch (use.via) {
    case 'env':
    case 'envFrom':
      return risk(
        'missing-secret',
        'high',
        `the Secret does not exist: containers cannot start (CreateContainerConfigError)${produced}`,
      );
    case 'volume':
    case 'projected':
    case 'csi':
    case 'volumePlugin':
      return risk(
        'missing-secret',
        'high',
        `the Secret does not exist: the volume cannot be mounted and pods stay in ContainerCreating${produced}`,
      );
    case 'imagePullSecret':
    case 'inheritedPullSecret':
    case 'serviceAccountPullSecret':
      return risk(
        'missing-secret',
        'low',
        'the Secret does not exist: the kubelet pulls without it, so private images fail to pull',
      );
    case 'ingressTLS':
    case 'ingressAnnotation':
      return risk(
        'missing-secret',
        'medium',
        'the Secret does not exist: the ingress controller falls back (default certificate, or the rule is rejected)',
      );
    case 'gatewayCertificate':
    case 'gatewayClientCertificate':
      return risk(
        'missing-secret',
        'medium',
        'the Secret does not exist: the listener is not programmed (ResolvedRefs=False)',
      );
    case 'storageClassParameter':
      return risk(
        'missing-secret',
        'medium',
        'the Secret does not exist: provisioning or mounting volumes of this class fails',
      );
    case 'serviceAccountSecret':
      return risk(
        'missing-secret',
        'low',
        "the Secret does not exist: a stale entry in the ServiceAccount's secrets list",
      );
    default:
      return undefined;
  }
}

export function missingKeyRisks(
  use: Pick<Use, 'via' | 'keys' | 'allKeys' | 'optional' | 'subPath'>,
  secret: SecretState,
): Risk[] {
  if (secret.exists !== true || !secret.facts.keys) return [];
  const have = new Set(secret.facts.keys.map((k) => k.name));
  const missing = use.allKeys ? [] : use.keys.filter((k) => !have.has(k));
  if (missing.length === 0) return [];
  const list = missing.map((k) => `"${k}"`).join(', ');
  if (use.subPath !== undefined && !use.optional) {
    return [
      risk(
        'missing-key',
        'high',
        `subPath ${use.subPath} needs key ${list}, which the Secret does not have: the container cannot start`,
      ),
    ];
  }
  if (use.optional)
    return [
      risk('missing-key', 'low', `key ${list} is not in the Secret; the reference is optional, so it is skipped`),
    ];
  if (use.via === 'env')
    return [
      risk(
        'missing-key',
        'high',
        `key ${list} is not in the Secret: the container cannot start (CreateContainerConfigError)`,
      ),
    ];
  if (use.via === 'volume' || use.via === 'projected') {
    return [
      risk(
        'missing-key',
        'high',
        `key ${list} is not in the Secret: the volume cannot be set up, pods stay in ContainerCreating`,
      ),
    ];
  }
  return [risk('missing-key', 'medium', `key ${list} is not in the Secret`)];
}

/** Risks of how a container sees the value: env vars, file modes, subPath, readOnly. */
export function containerUseRisks(use: Omit<Use, 'update' | 'risks'>, context: PodContext | undefined): Risk[] {
  const out: Risk[] = [];
  if (use.via === 'env') {
    out.push(
      risk(
        'env-var',
        'medium',
        `value in env var ${use.env}: readable via /proc/PID/environ, inherited by child processes, included in crash dumps`,
      ),
    );
  } else if (use.via === 'envFrom') {
    out.push(
      risk(
        'env-var',
        'medium',
        `every key becomes an env var${use.prefix ? ` (prefix ${use.prefix})` : ''}: readable via /proc/PID/environ, inherited by child processes, included in crash dumps`,
      ),
    );
  }
  if ((use.via === 'volume' || use.via === 'projected') && use.container !== undefined) {
    if (use.subPath !== undefined)
      out.push(
        risk(
          'subpath',
          'medium',
          `subPath ${use.subPath} never updates: a rotated value reaches the container only after a restart`,
        ),
      );
    if (!use.readOnly)
      out.push(
        risk(
          'not-read-only',
          'low',
          'mount is not readOnly: true (the kubelet mounts secret volumes read-only anyway; say so)',
        ),
      );
    const wide = widestMode(use, context?.fsGroup);
    if (wide) out.push(risk('file-mode', 'low', wide));
  }
  return out;
}

/** Risks of the pod the value lands in: privileged, host namespaces and paths, API token beside it. */
export function podContextRisks(context: PodContext): Risk[] {
  const out: Risk[] = [];
  if (context.privileged.length) {
    out.push(
      risk(
        'privileged',
        'high',
        `privileged container ${context.privileged.join(', ')} in the pod: its compromise is the node's, and every Secret on it`,
      ),
    );
  }
  if (context.hostPID)
    out.push(
      risk('host-pid', 'high', 'hostPID: the pod sees every process on the node and, as root, their environments'),
    );
  if (context.hostPaths.length)
    out.push(
      risk('host-path', 'medium', `hostPath volume ${context.hostPaths.join(', ')}: the pod reaches node files`),
    );
  if (context.hostNetwork)
    out.push(risk('host-network', 'medium', "hostNetwork: the pod uses the node's network, bypassing NetworkPolicy"));
  if (context.automount.mounted === true) {
    const why =
      context.automount.source === 'default'
        ? 'automountServiceAccountToken is not set to false'
        : `automountServiceAccountToken: true on the ${context.automount.source === 'pod' ? 'pod' : 'ServiceAccount'}`;
    out.push(
      risk(
        'token-automount',
        'low',
        `an API token of ServiceAccount ${context.serviceAccount} is mounted beside it (${why})`,
      ),
    );
  }
  return out;
}

const ALLOWED_MODE_BITS = 0o440;

function widestMode(use: Pick<Use, 'files' | 'mode'>, fsGroup: number | undefined): string | undefined {
  const modes = use.files?.length ? use.files.map((f) => f.mode ?? use.mode) : [use.mode];
  let widest: number | undefined;
  for (const m of modes) {
    if (m === undefined) continue;
    const effective = parseInt(m, 8) | (fsGroup !== undefined ? 0o440 : 0);
    if ((effective & ~ALLOWED_MODE_BITS & 0o777) !== 0 && (widest === undefined || effective > widest))
      widest = effective;
  }
  if (widest === undefined) return undefined;
  const octal = widest.toString(8).padStart(4, '0');
  const who = widest & 0o004 ? 'any user in the container can read it' : 'it grants more than read to owner and group';
  const defaulted =
    use.mode === '0644' && !use.files?.some((f) => f.mode) ? ' (defaultMode unset defaults to 0644)' : '';
  const group = fsGroup !== undefined ? `; fsGroup ${fsGroup} owns the files and gets group read` : '';
  return `files are mode ${octal}${defaulted}: ${who}${group}; use defaultMode 0400 (or 0440 with fsGroup)`;
}

/** The Secret's own risk: annotations that copy its data are readable by anyone who may read its metadata. */
export function valueInMetadataRisk(annotations: readonly string[] | undefined): Risk | undefined {
  if (!annotations?.length) return undefined;
  const names = annotations.join(', ');
  return risk(
    'value-in-metadata',
    'high',
    `annotation ${names} ${annotations.length === 1 ? 'holds' : 'hold'} a copy of the data: anyone who may get, list or watch the ` +
      `Secret's metadata (controllers, "kubectl get -o yaml", metadata-only informers) reads the values; ` +
      `remove it (kubectl annotate secret NAME ${annotations.map((a) => `${a}-`).join(' ')}) and rotate the values`,
  );
}
