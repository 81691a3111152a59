#!/usr/bin/env node
// Writes a realistic Kubernetes audit log (audit.k8s.io/v1 JSON lines) of a chosen size:
// mostly non-secret traffic (leases, node status, pods, configmaps, events, discovery),
// several stages per auditID, watches, denials, impersonation, ServiceAccount reads with
// user.extra pod/node names, kubelet field-selected watches, and a few lines that mention
// "secrets" without reading one (false positives for the prefilter).
//
//   node bench/audit/generate-log.mjs [BYTES|1GB|200MB] [OUT]
//   AUDIT_BENCH_BYTES=200MB node bench/audit/generate-log.mjs
//   AUDIT_BENCH_SECRET_SHARE=1 ...   every request reads a Secret (an audit policy that logs only Secrets)
//
// Deterministic for a given size: the same seed gives the same file.
import { openSync, writeSync, closeSync, mkdirSync, statSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 as rng } from '../../test/harness/prng.mjs';

export const GENERATOR_VERSION = 3;

export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = unit === 'g' ? 1e9 : unit === 'm' ? 1e6 : unit === 'k' ? 1e3 : 1;
  return Math.round(Number(m[1]) * mult);
}

export function benchDir() {
  return join(tmpdir(), 'kubectl-secrets-audit-bench');
}

const VERSION = 'v1.30.2';
const KUBE_UA = (component) => `${component}/${VERSION} (linux/amd64) kubernetes/39683505`;
export const NAMESPACES = [
  'prod',
  'staging',
  'payments',
  'monitoring',
  'argocd',
  'cert-manager',
  'ingress-nginx',
  'kube-system',
  'default',
  'team-a',
  'team-b',
];
export const SECRETS = [
  'db-password',
  'api-token',
  'tls-cert',
  'registry-creds',
  'oauth-client',
  'redis-auth',
  'smtp',
  'webhook-hmac',
  'sh.helm.release.v1.app.v7',
  'grafana-admin',
];
const CONTROLLERS = [
  'replicaset-controller',
  'deployment-controller',
  'generic-garbage-collector',
  'endpointslice-controller',
  'namespace-controller',
  'job-controller',
  'statefulset-controller',
  'daemon-set-controller',
  'resourcequota-controller',
  'pvc-protection-controller',
];
export const WORKLOAD_SAS = [
  ['prod', 'api'],
  ['prod', 'worker'],
  ['payments', 'ledger'],
  ['monitoring', 'prometheus'],
  ['argocd', 'argocd-application-controller'],
  ['cert-manager', 'cert-manager'],
  ['ingress-nginx', 'ingress-nginx'],
  ['team-a', 'batch'],
  ['team-b', 'web'],
];
const HUMANS = [
  [
    'alice@example.com',
    ['developers', 'system:authenticated'],
    'kubectl/v1.30.1 (darwin/arm64) kubernetes/6911225',
    '203.0.113.10',
  ],
  [
    'bob@example.com',
    ['developers', 'system:authenticated'],
    'kubectl/v1.29.4 (linux/amd64) kubernetes/55f2bc1',
    '203.0.113.11',
  ],
  [
    'kubernetes-admin',
    ['kubeadm:cluster-admins', 'system:authenticated'],
    'kubectl/v1.30.2 (linux/amd64) kubernetes/39683505',
    '10.0.0.5',
  ],
  ['oidc:carol', ['oidc:sre', 'system:authenticated'], 'k9s/v0.32.4 (linux/amd64) kubernetes/$Format', '198.51.100.7'],
  [
    'arn:aws:sts::123456789012:assumed-role/Dev/dave',
    ['system:authenticated'],
    'Lens/2024.5 (darwin/amd64)',
    '198.51.100.8',
  ],
];
const REASON_ALLOW = (binding, role, subject) =>
  `RBAC: allowed by ClusterRoleBinding \\"${binding}\\" of ClusterRole \\"${role}\\" to ${subject}`;

/** secretShare: the fraction of requests that read a Secret (about 2% in a cluster-wide Metadata policy). */
export function* generateLines(random, secretShare = 0.02) {
  let t = Date.parse('2025-06-01T00:00:00Z') * 1000; // microseconds
  const hex = (n) => {
    let s = '';
    while (s.length < n)
      s += Math.floor(random() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  };
  const pick = (arr) => arr[Math.floor(random() * arr.length)];
  const ts = (us) => {
    const iso = new Date(Math.floor(us / 1000)).toISOString(); // 2025-06-01T00:00:00.123Z
    return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
  };
  const nodes = Array.from(
    { length: 40 },
    (_, i) => `ip-10-0-${Math.floor(i / 8)}-${10 + i}.eu-west-1.compute.internal`,
  );

  const nodeUser = (node) => `{"username":"system:node:${node}","groups":["system:nodes","system:authenticated"]}`;
  const saUser = (ns, sa, pod, node) =>
    `{"username":"system:serviceaccount:${ns}:${sa}","uid":"${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}","groups":["system:serviceaccounts","system:serviceaccounts:${ns}","system:authenticated"]${
      pod
        ? `,"extra":{"authentication.kubernetes.io/credential-id":["JTI=${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}"],"authentication.kubernetes.io/node-name":["${node}"],"authentication.kubernetes.io/node-uid":["${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}"],"authentication.kubernetes.io/pod-name":["${pod}"],"authentication.kubernetes.io/pod-uid":["${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}"]}}`
        : '}'
    }`;
  const humanUser = (h) => `{"username":"${h[0]}","groups":${JSON.stringify(h[1])}}`;

  // One request: returns its lines (one per logged stage).
  function request({
    verb,
    uri,
    user,
    imp,
    ips,
    ua,
    objectRef,
    code,
    reason,
    decision = 'allow',
    level = 'Metadata',
    stages,
    requestObject,
    responseObject,
  }) {
    const id = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const received = t;
    const out = [];
    const head = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"${level}","auditID":"${id}","stage":"`;
    const mid = `","requestURI":"${uri}","verb":"${verb}","user":${user}${
      imp ? `,"impersonatedUser":${imp}` : ''
    },"sourceIPs":${JSON.stringify(ips)},"userAgent":"${ua}"${objectRef ? `,"objectRef":${objectRef}` : ''}`;
    for (const stage of stages) {
      const at = stage === 'RequestReceived' ? received : received + 200 + Math.floor(random() * 40000);
      let line = head + stage + mid;
      if (stage !== 'RequestReceived') {
        line +=
          code === 403
            ? `,"responseStatus":{"metadata":{},"status":"Failure","message":"forbidden","reason":"Forbidden","details":{},"code":403}`
            : `,"responseStatus":{"metadata":{},"code":${code}}`;
        if (requestObject && level !== 'Metadata') line += `,"requestObject":${requestObject}`;
        if (responseObject && level === 'RequestResponse') line += `,"responseObject":${responseObject}`;
      } else if (requestObject && level !== 'Metadata') {
        line += `,"requestObject":${requestObject}`;
      }
      line += `,"requestReceivedTimestamp":"${ts(received)}","stageTimestamp":"${ts(at)}"`;
      if (stage !== 'RequestReceived')
        line += `,"annotations":{"authorization.k8s.io/decision":"${decision}","authorization.k8s.io/reason":"${reason}"}`;
      out.push(`${line}}`);
    }
    t += 1 + Math.floor(random() * 3000);
    return out;
  }
  const stagesFor = (watch) => {
    const r = random();
    if (watch)
      return r < 0.5
        ? ['RequestReceived', 'ResponseStarted', 'ResponseComplete']
        : ['ResponseStarted', 'ResponseComplete'];
    return r < 0.6 ? ['RequestReceived', 'ResponseComplete'] : ['ResponseComplete'];
  };
  const secretRef = (ns, name) =>
    `{"resource":"secrets","namespace":"${ns}"${name ? `,"name":"${name}"` : ''},"apiVersion":"v1"}`;

  const nonSecret = [
    // lease renewals by kubelets and controllers: the bulk of any audit log
    [
      30,
      () => {
        const node = pick(nodes);
        const lease = `{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"${node}","namespace":"kube-node-lease","uid":"${hex(8)}-${hex(4)}","resourceVersion":"${Math.floor(random() * 1e8)}"},"spec":{"holderIdentity":"${node}","leaseDurationSeconds":40,"renewTime":"${ts(t)}"}}`;
        return request({
          verb: 'update',
          uri: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}?timeout=10s`,
          user: nodeUser(node),
          ips: [`10.0.1.${Math.floor(random() * 250)}`],
          ua: KUBE_UA('kubelet'),
          objectRef: `{"resource":"leases","namespace":"kube-node-lease","name":"${node}","uid":"${hex(8)}-${hex(4)}","apiGroup":"coordination.k8s.io","apiVersion":"v1","resourceVersion":"${Math.floor(random() * 1e8)}"}`,
          code: 200,
          reason: '',
          level: 'Request',
          requestObject: lease,
          stages: stagesFor(false),
        });
      },
    ],
    [
      14,
      () => {
        const node = pick(nodes);
        const cond = (type, status) =>
          `{"type":"${type}","status":"${status}","lastHeartbeatTime":"${ts(t).slice(0, 19)}Z","lastTransitionTime":"2025-05-30T11:02:17Z","reason":"Kubelet${type}","message":"kubelet has sufficient ${type.toLowerCase()} available"}`;
        const body = `{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}],"conditions":[${cond('MemoryPressure', 'False')},${cond('DiskPressure', 'False')},${cond('PIDPressure', 'False')},${cond('Ready', 'True')}]}}`;
        return request({
          verb: 'patch',
          uri: `/api/v1/nodes/${node}/status?timeout=10s`,
          user: nodeUser(node),
          ips: [`10.0.1.${Math.floor(random() * 250)}`],
          ua: KUBE_UA('kubelet'),
          objectRef: `{"resource":"nodes","name":"${node}","apiVersion":"v1","subresource":"status"}`,
          code: 200,
          reason: '',
          level: 'Request',
          requestObject: body,
          stages: stagesFor(false),
        });
      },
    ],
    [
      12,
      () => {
        const [ns, sa] = pick(WORKLOAD_SAS);
        const verb = pick(['get', 'list', 'watch']);
        const pod = `${sa}-${hex(10)}-${hex(5)}`;
        return request({
          verb,
          uri:
            verb === 'get'
              ? `/api/v1/namespaces/${ns}/pods/${pod}`
              : `/api/v1/namespaces/${ns}/pods?limit=500${verb === 'watch' ? '\\u0026watch=true' : ''}`,
          user: saUser(ns, sa, pod, pick(nodes)),
          ips: [`10.0.2.${Math.floor(random() * 250)}`],
          ua: `${sa}/v2.3.1 (linux/amd64)`,
          objectRef: `{"resource":"pods","namespace":"${ns}"${verb === 'get' ? `,"name":"${pod}"` : ''},"apiVersion":"v1"}`,
          code: 200,
          reason: REASON_ALLOW(`${sa}-view`, 'view', `ServiceAccount \\"${sa}/${ns}\\"`),
          stages: stagesFor(verb === 'watch'),
        });
      },
    ],
    [
      10,
      () => {
        const ns = pick(NAMESPACES);
        const name = pick(['app-config', 'kube-root-ca.crt', 'feature-flags', 'nginx-conf', 'app-secrets-mapping']);
        const node = pick(nodes);
        return request({
          verb: 'watch',
          uri: `/api/v1/namespaces/${ns}/configmaps?allowWatchBookmarks=true\\u0026fieldSelector=metadata.name%3D${name}\\u0026resourceVersion=${Math.floor(random() * 1e8)}\\u0026timeout=8m12s\\u0026timeoutSeconds=492\\u0026watch=true`,
          user: nodeUser(node),
          ips: [`10.0.1.${Math.floor(random() * 250)}`],
          ua: KUBE_UA('kubelet'),
          objectRef: `{"resource":"configmaps","namespace":"${ns}","name":"${name}","apiVersion":"v1"}`,
          code: 200,
          reason: '',
          stages: stagesFor(true),
        });
      },
    ],
    [
      8,
      () => {
        const ns = pick(NAMESPACES);
        const c = pick(CONTROLLERS);
        return request({
          verb: 'create',
          uri: `/api/v1/namespaces/${ns}/events`,
          user: saUser('kube-system', c),
          ips: ['10.0.0.2'],
          ua: `${KUBE_UA('kube-controller-manager')}/system:serviceaccount:kube-system:${c}`,
          objectRef: `{"resource":"events","namespace":"${ns}","name":"${hex(10)}.${hex(16)}","apiVersion":"v1"}`,
          code: 201,
          reason: REASON_ALLOW(
            `system:controller:${c}`,
            `system:controller:${c}`,
            `ServiceAccount \\"${c}/kube-system\\"`,
          ),
          stages: stagesFor(false),
        });
      },
    ],
    [
      8,
      () => {
        const ns = pick(NAMESPACES);
        const c = pick(CONTROLLERS);
        const name = `${pick(['api', 'web', 'worker', 'ledger'])}-${hex(10)}`;
        return request({
          verb: pick(['update', 'patch', 'get']),
          uri: `/apis/apps/v1/namespaces/${ns}/replicasets/${name}/status`,
          user: saUser('kube-system', c),
          ips: ['10.0.0.2'],
          ua: `${KUBE_UA('kube-controller-manager')}/system:serviceaccount:kube-system:${c}`,
          objectRef: `{"resource":"replicasets","namespace":"${ns}","name":"${name}","uid":"${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}","apiGroup":"apps","apiVersion":"v1","resourceVersion":"${Math.floor(random() * 1e8)}","subresource":"status"}`,
          code: 200,
          reason: REASON_ALLOW(
            `system:controller:${c}`,
            `system:controller:${c}`,
            `ServiceAccount \\"${c}/kube-system\\"`,
          ),
          stages: stagesFor(false),
        });
      },
    ],
    [
      5,
      () => {
        const c = pick(CONTROLLERS);
        const api = pick([
          '/apis/metrics.k8s.io/v1beta1',
          '/apis/apps/v1',
          '/api/v1',
          '/apis/networking.k8s.io/v1',
          '/apis/external-secrets.io/v1beta1',
        ]);
        return request({
          verb: 'get',
          uri: `${api}?timeout=32s`,
          user: saUser('kube-system', c),
          ips: ['10.0.0.2'],
          ua: `${KUBE_UA('kube-controller-manager')}/system:serviceaccount:kube-system:${c}`,
          code: 200,
          reason: REASON_ALLOW('system:discovery', 'system:discovery', 'Group \\"system:authenticated\\"'),
          stages: stagesFor(false),
        });
      },
    ],
    [
      4,
      () => {
        const h = pick(HUMANS);
        const ns = pick(NAMESPACES);
        const res = pick(['pods', 'deployments', 'services', 'configmaps', 'serviceaccounts']);
        const group = res === 'deployments' ? 'apps' : '';
        return request({
          verb: pick(['get', 'list']),
          uri: `/${group ? 'apis/apps' : 'api'}/v1/namespaces/${ns}/${res}?limit=500`,
          user: humanUser(h),
          ips: [h[3]],
          ua: h[2],
          objectRef: `{"resource":"${res}","namespace":"${ns}"${group ? ',"apiGroup":"apps"' : ''},"apiVersion":"v1"}`,
          code: 200,
          reason: REASON_ALLOW('developers-view', 'view', 'Group \\"developers\\"'),
          stages: stagesFor(false),
        });
      },
    ],
    // mentions "secrets" but reads none: the prefilter lets these through, parsing drops them
    [
      1,
      () => {
        const ns = pick(NAMESPACES);
        const name = pick(SECRETS);
        const verb = pick(['create', 'update', 'patch', 'delete']);
        return request({
          verb,
          uri: `/api/v1/namespaces/${ns}/secrets${verb === 'create' ? '' : `/${name}`}?fieldManager=helm`,
          user: saUser('argocd', 'argocd-application-controller'),
          ips: ['10.0.2.40'],
          ua: 'argocd-application-controller/v2.11.3 (linux/amd64)',
          objectRef: `{"resource":"secrets","namespace":"${ns}","name":"${name}","apiVersion":"v1"}`,
          code: verb === 'create' ? 201 : 200,
          reason: REASON_ALLOW(
            'argocd-application-controller',
            'argocd-application-controller',
            'ServiceAccount \\"argocd-application-controller/argocd\\"',
          ),
          stages: stagesFor(false),
        });
      },
    ],
    [
      1,
      () => {
        const ns = pick(NAMESPACES);
        return request({
          verb: 'list',
          uri: `/apis/external-secrets.io/v1beta1/namespaces/${ns}/externalsecrets?limit=500`,
          user: saUser('external-secrets', 'external-secrets'),
          ips: ['10.0.2.41'],
          ua: 'external-secrets/v0.9.20 (linux/amd64)',
          objectRef: `{"resource":"externalsecrets","namespace":"${ns}","apiGroup":"external-secrets.io","apiVersion":"v1beta1"}`,
          code: 200,
          reason: '',
          stages: stagesFor(false),
        });
      },
    ],
  ];

  const secretReads = [
    // kubelet: field-selected watch of each Secret its pods use
    [
      40,
      () => {
        const node = pick(nodes);
        const ns = pick(NAMESPACES);
        const name = pick(SECRETS);
        return request({
          verb: 'watch',
          uri: `/api/v1/namespaces/${ns}/secrets?allowWatchBookmarks=true\\u0026fieldSelector=metadata.name%3D${name}\\u0026resourceVersion=${Math.floor(random() * 1e8)}\\u0026timeout=6m51s\\u0026timeoutSeconds=411\\u0026watch=true`,
          user: nodeUser(node),
          ips: [`10.0.1.${Math.floor(random() * 250)}`],
          ua: KUBE_UA('kubelet'),
          objectRef: secretRef(ns, name),
          code: 200,
          reason: '',
          stages: stagesFor(true),
        });
      },
    ],
    [
      10,
      () => {
        const node = pick(nodes);
        const ns = pick(NAMESPACES);
        const name = pick(SECRETS);
        return request({
          verb: 'get',
          uri: `/api/v1/namespaces/${ns}/secrets/${name}`,
          user: nodeUser(node),
          ips: [`10.0.1.${Math.floor(random() * 250)}`],
          ua: KUBE_UA('kubelet'),
          objectRef: secretRef(ns, name),
          code: 200,
          reason: '',
          stages: stagesFor(false),
        });
      },
    ],
    // ServiceAccount tokens bound to pods (user.extra pod-name / node-name)
    [
      20,
      () => {
        const [ns, sa] = pick(WORKLOAD_SAS);
        const name = pick(SECRETS);
        const pod = `${sa}-${hex(10)}-${hex(5)}`;
        return request({
          verb: 'get',
          uri: `/api/v1/namespaces/${ns}/secrets/${name}`,
          user: saUser(ns, sa, pod, pick(nodes)),
          ips: [`10.0.2.${Math.floor(random() * 250)}`],
          ua: `${sa}/v2.3.1 (linux/amd64)`,
          objectRef: secretRef(ns, name),
          code: random() < 0.05 ? 404 : 200,
          reason: REASON_ALLOW(`${sa}-secrets`, 'secret-reader', `ServiceAccount \\"${sa}/${ns}\\"`),
          stages: stagesFor(false),
        });
      },
    ],
    [
      6,
      () => {
        const [ns, sa] = pick(WORKLOAD_SAS);
        const pod = `${sa}-${hex(10)}-${hex(5)}`;
        const verb = pick(['list', 'watch']);
        return request({
          verb,
          uri: `/api/v1/namespaces/${ns}/secrets?limit=500${verb === 'watch' ? '\\u0026watch=true' : ''}`,
          user: saUser(ns, sa, pod, pick(nodes)),
          ips: [`10.0.2.${Math.floor(random() * 250)}`],
          ua: `${sa}/v2.3.1 (linux/amd64)`,
          objectRef: secretRef(ns),
          code: 200,
          reason: REASON_ALLOW(`${sa}-secrets`, 'secret-reader', `ServiceAccount \\"${sa}/${ns}\\"`),
          stages: stagesFor(verb === 'watch'),
        });
      },
    ],
    // control plane: cluster-wide list/watch by the controller-manager's controllers
    [
      6,
      () => {
        const verb = pick(['list', 'watch']);
        const who =
          random() < 0.5
            ? [
                'system:kube-controller-manager',
                '{"username":"system:kube-controller-manager","groups":["system:authenticated"]}',
              ]
            : ['', saUser('kube-system', 'service-account-controller')];
        return request({
          verb,
          uri: `/api/v1/secrets?limit=500\\u0026resourceVersion=0${verb === 'watch' ? '\\u0026watch=true' : ''}`,
          user: who[1],
          ips: ['10.0.0.2'],
          ua: KUBE_UA('kube-controller-manager'),
          objectRef: '{"resource":"secrets","apiVersion":"v1"}',
          code: 200,
          reason: REASON_ALLOW(
            'system:kube-controller-manager',
            'system:kube-controller-manager',
            'User \\"system:kube-controller-manager\\"',
          ),
          stages: stagesFor(verb === 'watch'),
        });
      },
    ],
    // humans: get, list, list -A, field-selected list; some denied; some impersonating
    [
      8,
      () => {
        const h = pick(HUMANS);
        const ns = pick(NAMESPACES);
        const name = pick(SECRETS);
        const kind = Math.floor(random() * 4);
        const denied = random() < 0.25;
        const uri =
          kind === 0
            ? `/api/v1/namespaces/${ns}/secrets/${name}`
            : kind === 1
              ? `/api/v1/namespaces/${ns}/secrets?limit=500`
              : kind === 2
                ? '/api/v1/secrets?limit=500'
                : `/api/v1/namespaces/${ns}/secrets?fieldSelector=metadata.name%3D${name}\\u0026limit=500`;
        const ref =
          kind === 0 || kind === 3
            ? secretRef(ns, name)
            : kind === 1
              ? secretRef(ns)
              : '{"resource":"secrets","apiVersion":"v1"}';
        return request({
          verb: kind === 0 ? 'get' : 'list',
          uri,
          user: humanUser(h),
          ips: [h[3]],
          ua: h[2],
          objectRef: ref,
          code: denied ? 403 : 200,
          decision: denied ? 'forbid' : 'allow',
          reason: denied ? '' : REASON_ALLOW('sre-admin', 'admin', 'Group \\"oidc:sre\\"'),
          stages: stagesFor(false),
        });
      },
    ],
    [
      2,
      () => {
        const ns = pick(NAMESPACES);
        const name = pick(SECRETS);
        const [sns, sa] = pick(WORKLOAD_SAS);
        const denied = random() < 0.5;
        return request({
          verb: 'get',
          uri: `/api/v1/namespaces/${ns}/secrets/${name}`,
          user: humanUser(HUMANS[2]),
          imp: `{"username":"system:serviceaccount:${sns}:${sa}","groups":["system:serviceaccounts","system:authenticated"]}`,
          ips: [HUMANS[2][3]],
          ua: HUMANS[2][2],
          objectRef: secretRef(ns, name),
          code: denied ? 403 : 200,
          decision: denied ? 'forbid' : 'allow',
          reason: '',
          stages: stagesFor(false),
        });
      },
    ],
    // RequestResponse level: the value is in the log; the tool must never copy it
    [
      1,
      () => {
        const ns = pick(NAMESPACES);
        const name = pick(SECRETS);
        const h = pick(HUMANS);
        return request({
          verb: 'get',
          uri: `/api/v1/namespaces/${ns}/secrets/${name}`,
          user: humanUser(h),
          ips: [h[3]],
          ua: h[2],
          objectRef: secretRef(ns, name),
          code: 200,
          reason: '',
          level: 'RequestResponse',
          responseObject: `{"kind":"Secret","apiVersion":"v1","metadata":{"name":"${name}","namespace":"${ns}"},"data":{"password":"${Buffer.from(hex(24)).toString('base64')}"},"type":"Opaque"}`,
          stages: ['ResponseComplete'],
        });
      },
    ],
  ];

  const weighted = (table) => {
    const total = table.reduce((s, [w]) => s + w, 0);
    return () => {
      let r = random() * total;
      for (const [w, f] of table) if ((r -= w) < 0) return f();
      return table[table.length - 1][1]();
    };
  };
  const nextNonSecret = weighted(nonSecret);
  const nextSecret = weighted(secretReads);
  for (;;) {
    yield* random() < secretShare ? nextSecret() : nextNonSecret();
  }
}

export function generateLog(path, bytes, { seed = 42, secretShare = 0.02 } = {}) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  let written = 0;
  let batch = [];
  let batchBytes = 0;
  for (const line of generateLines(rng(seed), secretShare)) {
    batch.push(line);
    batchBytes += line.length + 1;
    if (batchBytes >= 8 << 20 || written + batchBytes >= bytes) {
      const buf = Buffer.from(`${batch.join('\n')}\n`);
      writeSync(fd, buf);
      written += buf.length;
      batch = [];
      batchBytes = 0;
      if (written >= bytes) break;
    }
  }
  closeSync(fd);
  renameSync(tmp, path);
  return written;
}

/** Returns the path of a cached log of about `bytes` bytes, generating it when missing. */
export function ensureLog(bytes, { dir = benchDir(), secretShare = 0.02 } = {}) {
  const share = secretShare === 0.02 ? '' : `-secrets${Math.round(secretShare * 100)}`;
  const path = join(dir, `audit-${bytes}${share}-v${GENERATOR_VERSION}.log`);
  try {
    if (statSync(path).size >= bytes) return path;
  } catch {
    /* not there yet */
  }
  generateLog(path, bytes, { secretShare });
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = parseSize(process.argv[2] ?? process.env.AUDIT_BENCH_BYTES ?? '1GB');
  const secretShare = Number(process.env.AUDIT_BENCH_SECRET_SHARE ?? 0.02);
  const out = process.argv[3];
  const started = Date.now();
  const path = out ? (generateLog(out, bytes, { secretShare }), out) : ensureLog(bytes, { secretShare });
  console.log(
    `${path} (${(statSync(path).size / 1e6).toFixed(0)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}
