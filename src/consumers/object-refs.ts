import type { V1Ingress, V1ObjectMeta, V1ServiceAccount, V1StorageClass } from '@kubernetes/client-node';

/** How an object other than a pod names a Secret. */
export type ObjectRefKind =
  | 'serviceAccountSecret' // ServiceAccount secrets[]
  | 'serviceAccountPullSecret' // ServiceAccount imagePullSecrets[] (copied into new pods that have none)
  | 'ingressTLS' // Ingress spec.tls[].secretName
  | 'ingressAnnotation' // ingress-nginx auth-secret / auth-tls-secret / proxy-ssl-secret annotations
  | 'gatewayCertificate' // Gateway spec.listeners[].tls.certificateRefs[]
  | 'gatewayClientCertificate' // Gateway spec.tls.backend.clientCertificateRef (GEP-3155)
  | 'storageClassParameter' // StorageClass parameters *-secret-name / *-secret-namespace
  | 'secretProviderClassSync'; // SecretProviderClass spec.secretObjects[].secretName: the driver *produces* it

export interface ServiceAccountLike extends V1ServiceAccount {
  kind: 'ServiceAccount';
}
export interface IngressLike extends V1Ingress {
  kind: 'Ingress';
}
export interface StorageClassLike extends V1StorageClass {
  kind: 'StorageClass';
}

interface SecretObjectReference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

/** gateway.networking.k8s.io/v1 Gateway: only the fields that name Secrets. */
export interface GatewayLike {
  kind: 'Gateway';
  metadata: V1ObjectMeta;
  spec?: {
    listeners?: Array<{ name?: string; hostname?: string; tls?: { certificateRefs?: SecretObjectReference[] } }>;
    tls?: { backend?: { clientCertificateRef?: SecretObjectReference } };
  };
}

/** secrets-store.csi.x-k8s.io/v1 SecretProviderClass: only the sync part. */
export interface SecretProviderClassLike {
  kind: 'SecretProviderClass';
  metadata: V1ObjectMeta;
  spec?: {
    provider?: string;
    secretObjects?: Array<{ secretName?: string; type?: string; data?: Array<{ objectName?: string; key?: string }> }>;
  };
}

export type ReferencingObject =
  ServiceAccountLike | IngressLike | GatewayLike | StorageClassLike | SecretProviderClassLike;

export interface ObjectKey {
  kind: string;
  namespace: string; // '' for cluster-scoped objects
  name: string;
}

/** One reference from a non-pod object to a Secret. */
export interface ObjectSecretRef {
  kind: ObjectRefKind;
  /** The Secret: exact names, unless `template` says otherwise. */
  secret: string;
  namespace: string;
  from: ObjectKey;
  /** JSON Pointer into the referencing object. */
  pointer: string;
  /** A few words on where: "hosts a.example.com", "listener https", "provisioner". */
  detail: string;
  /** Keys the reference is known to use (SecretProviderClass sync), else all. */
  keys?: string[];
  /** StorageClass parameters may hold ${pvc.namespace}-style templates, resolved per claim. */
  template?: { namespace?: string; name?: string };
}

const INGRESS_NGINX_ANNOTATIONS = [
  'nginx.ingress.kubernetes.io/auth-secret',
  'nginx.ingress.kubernetes.io/auth-tls-secret',
  'nginx.ingress.kubernetes.io/proxy-ssl-secret',
] as const;

/** Every Secret reference of a ServiceAccount, Ingress, Gateway, StorageClass or SecretProviderClass. */
export function secretRefsOfObject(obj: ReferencingObject): ObjectSecretRef[] {
  switch (obj.kind) {
    case 'ServiceAccount':
      return serviceAccountRefs(obj);
    case 'Ingress':
      return ingressRefs(obj);
    case 'Gateway':
      return gatewayRefs(obj);
    case 'StorageClass':
      return storageClassRefs(obj);
    case 'SecretProviderClass':
      return secretProviderClassRefs(obj);
    default:
      return [];
  }
}

/** True when the reference names this Secret (templated StorageClass parameters match by pattern). */
export function objectRefMatches(ref: ObjectSecretRef, namespace: string, name: string): boolean {
  const nsOk =
    ref.template?.namespace !== undefined
      ? templateRegExp(ref.template.namespace).test(namespace)
      : ref.namespace === namespace;
  const nameOk = ref.template?.name !== undefined ? templateRegExp(ref.template.name).test(name) : ref.secret === name;
  return nsOk && nameOk;
}

const keyOf = (obj: { kind: string; metadata?: V1ObjectMeta }): ObjectKey => ({
  kind: obj.kind,
  namespace: obj.metadata?.namespace ?? '',
  name: obj.metadata?.name ?? '',
});

function serviceAccountRefs(sa: ServiceAccountLike): ObjectSecretRef[] {
  const from = keyOf(sa);
  const refs: ObjectSecretRef[] = [];
  (sa.secrets ?? []).forEach((s, i) => {
    if (s.name)
      refs.push({
        kind: 'serviceAccountSecret',
        secret: s.name,
        namespace: from.namespace,
        from,
        pointer: `/secrets/${i}/name`,
        detail: 'secrets',
      });
  });
  (sa.imagePullSecrets ?? []).forEach((s, i) => {
    if (s.name) {
      refs.push({
        kind: 'serviceAccountPullSecret',
        secret: s.name,
        namespace: from.namespace,
        from,
        pointer: `/imagePullSecrets/${i}/name`,
        detail: 'imagePullSecrets',
      });
    }
  });
  return refs;
}

function ingressRefs(ing: IngressLike): ObjectSecretRef[] {
  const from = keyOf(ing);
  const refs: ObjectSecretRef[] = [];
  (ing.spec?.tls ?? []).forEach((tls, i) => {
    if (!tls.secretName) return;
    const hosts = tls.hosts?.length ? `hosts ${tls.hosts.join(',')}` : 'default host';
    refs.push({
      kind: 'ingressTLS',
      secret: tls.secretName,
      namespace: from.namespace,
      from,
      pointer: `/spec/tls/${i}/secretName`,
      detail: hosts,
    });
  });
  const annotations = ing.metadata?.annotations ?? {};
  for (const annotation of INGRESS_NGINX_ANNOTATIONS) {
    const value = annotations[annotation]?.trim();
    if (!value) continue;
    const [ns, name] = value.includes('/') ? value.split('/', 2) : [from.namespace, value];
    if (!ns || !name) continue;
    refs.push({
      kind: 'ingressAnnotation',
      secret: name,
      namespace: ns,
      from,
      pointer: `/metadata/annotations/${annotation.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      detail: annotation.slice(annotation.indexOf('/') + 1),
    });
  }
  return refs;
}

const isSecretObjectRef = (r: SecretObjectReference): boolean =>
  (r.group ?? '') === '' && (r.kind ?? 'Secret') === 'Secret' && !!r.name;

function gatewayRefs(gw: GatewayLike): ObjectSecretRef[] {
  const from = keyOf(gw);
  const refs: ObjectSecretRef[] = [];
  (gw.spec?.listeners ?? []).forEach((listener, li) => {
    (listener.tls?.certificateRefs ?? []).forEach((r, ri) => {
      if (!isSecretObjectRef(r)) return;
      refs.push({
        kind: 'gatewayCertificate',
        secret: r.name!,
        namespace: r.namespace || from.namespace,
        from,
        pointer: `/spec/listeners/${li}/tls/certificateRefs/${ri}/name`,
        detail: `listener ${listener.name ?? li}${listener.hostname ? ` (${listener.hostname})` : ''}`,
      });
    });
  });
  const client = gw.spec?.tls?.backend?.clientCertificateRef;
  if (client && isSecretObjectRef(client)) {
    refs.push({
      kind: 'gatewayClientCertificate',
      secret: client.name!,
      namespace: client.namespace || from.namespace,
      from,
      pointer: '/spec/tls/backend/clientCertificateRef/name',
      detail: 'backend client certificate',
    });
  }
  return refs;
}

/**
 * CSI (`csi.storage.k8s.io/provisioner-secret-name` + `-namespace`, and the
 * controller-publish, node-stage, node-publish, controller-expand and
 * node-expand pairs), their deprecated camel-case forms, and the in-tree
 * `adminSecretName`/`secretName` pairs. A missing namespace, like a
 * `${pvc.namespace}` template, is resolved per claim: it may be any namespace.
 */
function storageClassRefs(sc: StorageClassLike): ObjectSecretRef[] {
  const from = keyOf(sc);
  const params = sc.parameters ?? {};
  const refs: ObjectSecretRef[] = [];
  for (const [param, name] of Object.entries(params)) {
    const nsParam = namespaceParamFor(param);
    if (!nsParam || !name) continue;
    const namespace = params[nsParam] ?? '${pvc.namespace}';
    const templatedName = name.includes('${');
    const templatedNs = namespace.includes('${');
    refs.push({
      kind: 'storageClassParameter',
      secret: templatedName ? '' : name,
      namespace: templatedNs ? '' : namespace,
      from,
      pointer: `/parameters/${param.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      detail: param.replace(/^csi\.storage\.k8s\.io\//, '').replace(/-secret-name$|SecretName$/, '') || param,
      ...(templatedName || templatedNs
        ? { template: { ...(templatedName ? { name } : {}), ...(templatedNs ? { namespace } : {}) } }
        : {}),
    });
  }
  return refs;
}

function namespaceParamFor(param: string): string | undefined {
  if (param.endsWith('-secret-name')) return `${param.slice(0, -'name'.length)}namespace`;
  if (param.endsWith('SecretName')) return `${param.slice(0, -'Name'.length)}Namespace`;
  if (param === 'secretName') return 'secretNamespace';
  return undefined;
}

function secretProviderClassRefs(spc: SecretProviderClassLike): ObjectSecretRef[] {
  const from = keyOf(spc);
  const refs: ObjectSecretRef[] = [];
  (spc.spec?.secretObjects ?? []).forEach((o, i) => {
    if (!o.secretName) return;
    const keys = (o.data ?? []).map((d) => d.key).filter((k): k is string => !!k);
    refs.push({
      kind: 'secretProviderClassSync',
      secret: o.secretName,
      namespace: from.namespace,
      from,
      pointer: `/spec/secretObjects/${i}/secretName`,
      detail: `synced by the Secrets Store CSI driver${spc.spec?.provider ? ` (${spc.spec.provider})` : ''}`,
      keys,
    });
  });
  return refs;
}

const templateCache = new Map<string, RegExp>();
function templateRegExp(template: string): RegExp {
  let re = templateCache.get(template);
  if (!re) {
    const parts = template.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    re = new RegExp(`^${parts.join('.+')}$`);
    templateCache.set(template, re);
  }
  return re;
}
