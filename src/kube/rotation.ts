// The rotation's view of the cluster (RotationCluster), over the Kube client:
// Secrets, workloads, pods and the lock Lease of one namespace. Races become
// ConflictError, refusals RejectedError; outages are thrown as they come.
import type { JsonPatchOp } from '../consumers/repoint.js';
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import { LABEL_NAME } from '../rotate/constants.js';
import { ConflictError, RejectedError } from '../rotate/errors.js';
import type { LeaseObject } from '../rotate/lock.js';
import type { ConsumerScan, Preconditions, RolloutObserver, RotationCluster } from '../rotate/port.js';
import { WatchingObserver } from './rollout-watch.js';
import type { RepointableKind, RolloutKind, SecretObject } from '../rotate/types.js';
import type { ReferencingObject } from '../consumers/object-refs.js';
import type { Kube } from './client.js';
import { KubeApiError, withoutValues } from './errors.js';
import { getIfExists, tolerantList } from './fetch.js';
import { RESOURCES, resourcePath, type ResourceType } from './paths.js';
import { CONSUMER_RESOURCES, loadConsumerSources } from './consumer-sources.js';

const LEASES: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
};

const ROLLOUT_TYPES: Record<RolloutKind, ResourceType> = {
  Deployment: RESOURCES.deployments,
  StatefulSet: RESOURCES.statefulsets,
  DaemonSet: RESOURCES.daemonsets,
  CronJob: RESOURCES.cronjobs,
};

const OBJECT_TYPES: Record<RepointableKind, ResourceType> = {
  ServiceAccount: RESOURCES.serviceaccounts,
  Ingress: RESOURCES.ingresses,
  Gateway: CONSUMER_RESOURCES.gateways,
};

export class KubeRotationCluster implements RotationCluster {
  constructor(
    private readonly kube: Kube,
    readonly namespace: string,
    private readonly options: { watch: boolean } = { watch: true },
  ) {}

  getSecret(name: string): Promise<SecretObject | undefined> {
    return getIfExists<SecretObject>(this.kube, RESOURCES.secrets, this.namespace, name);
  }

  async listVersions(logical: string): Promise<SecretObject[]> {
    const [labelled, named] = await Promise.all([
      this.secretsMetadata({ labelSelector: `${LABEL_NAME}=${logical}` }),
      this.secretsMetadata({ fieldSelector: `metadata.name=${logical}` }),
    ]);
    const byName = new Map<string, SecretObject>();
    for (const s of [...labelled, ...named]) byName.set(s.metadata.name ?? '', s);
    return [...byName.values()];
  }

  async secretExists(name: string): Promise<boolean> {
    return (await this.secretsMetadata({ fieldSelector: `metadata.name=${name}` })).length > 0;
  }

  private async secretsMetadata(query: Record<string, string>): Promise<SecretObject[]> {
    const path = resourcePath(RESOURCES.secrets, this.namespace);
    return (await this.kube.list<SecretObject>(path, { metadataOnly: true, query })).items;
  }

  createSecret(secret: SecretObject): Promise<SecretObject> {
    return writing(() =>
      carryingData(secret, () =>
        this.kube.create<SecretObject>(resourcePath(RESOURCES.secrets, this.namespace), secret),
      ),
    );
  }

  replaceSecret(secret: SecretObject): Promise<SecretObject> {
    return writing(() =>
      carryingData(secret, () =>
        this.kube.replace<SecretObject>(resourcePath(RESOURCES.secrets, this.namespace, secret.metadata.name), secret),
      ),
    );
  }

  patchSecretMetadata(
    name: string,
    resourceVersion: string | undefined,
    change: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
  ): Promise<SecretObject> {
    // A resourceVersion in a merge patch makes it conditional (409 when the object moved on).
    const metadata = { ...(resourceVersion ? { resourceVersion } : {}), ...change };
    return writing(() =>
      this.kube.patch<SecretObject>(resourcePath(RESOURCES.secrets, this.namespace, name), { metadata }, 'merge'),
    );
  }

  deleteSecret(name: string, preconditions?: Preconditions): Promise<boolean> {
    return this.remove(resourcePath(RESOURCES.secrets, this.namespace, name), preconditions);
  }

  /** The consumer scan exposure uses too: everything that may name a Secret of this namespace. */
  async scanConsumers(): Promise<ConsumerScan> {
    // ControllerRevisions only matter to rotate: the versions a StatefulSet's or DaemonSet's undo would need.
    const [found, revisions] = await Promise.all([
      loadConsumerSources(this.kube, this.namespace),
      tolerantList<WorkloadLike>(this.kube, RESOURCES.controllerrevisions, this.namespace, {
        withoutManagedFields: true,
      }),
    ]);
    return {
      workloads: found.workloads,
      pods: found.pods,
      objects: [...found.serviceAccounts, ...found.objects],
      revisions: revisions.items.map((r) => ({ ...r, kind: 'ControllerRevision' })),
      gaps: found.gaps,
      ...(revisions.missing ? { historyGap: revisions.missing.message } : {}),
    };
  }

  async getWorkload(kind: RolloutKind, name: string): Promise<WorkloadLike | undefined> {
    const w = await getIfExists<WorkloadLike>(this.kube, ROLLOUT_TYPES[kind], this.namespace, name);
    return w ? { ...w, kind } : undefined;
  }

  jsonPatchWorkload(kind: RolloutKind, name: string, ops: JsonPatchOp[]): Promise<WorkloadLike> {
    // 422 here is most often a `test` that failed: the template changed since it was read.
    return writing(
      () => this.kube.patch<WorkloadLike>(resourcePath(ROLLOUT_TYPES[kind], this.namespace, name), ops, 'json'),
      { conflictOn422: true },
    );
  }

  mergePatchWorkload(kind: RolloutKind, name: string, patch: unknown): Promise<WorkloadLike> {
    return writing(() =>
      this.kube.patch<WorkloadLike>(resourcePath(ROLLOUT_TYPES[kind], this.namespace, name), patch, 'merge'),
    );
  }

  async getObject(kind: RepointableKind, name: string): Promise<ReferencingObject | undefined> {
    const o = await getIfExists<ReferencingObject>(this.kube, OBJECT_TYPES[kind], this.namespace, name);
    return o ? ({ ...o, kind } as ReferencingObject) : undefined;
  }

  async jsonPatchObject(kind: RepointableKind, name: string, ops: JsonPatchOp[]): Promise<ReferencingObject> {
    const path = resourcePath(OBJECT_TYPES[kind], this.namespace, name);
    const o = await writing(() => this.kube.patch<ReferencingObject>(path, ops, 'json'), { conflictOn422: true });
    return { ...o, kind } as ReferencingObject;
  }

  deletePod(name: string, preconditions?: Preconditions): Promise<boolean> {
    return this.remove(resourcePath(RESOURCES.pods, this.namespace, name), preconditions);
  }

  get watchRollouts(): ((kinds: readonly RolloutKind[]) => RolloutObserver) | undefined {
    const kube = this.kube;
    if (!kube.watch || !this.options.watch) return undefined;
    const watching = kube as Kube & Required<Pick<Kube, 'watch'>>;
    return (kinds) => new WatchingObserver(watching, this.namespace, [RESOURCES.pods, ...observedTypes(kinds)]);
  }

  async observe(kinds: readonly RolloutKind[]): Promise<{ workloads: WorkloadLike[]; pods: PodLike[] }> {
    const types = observedTypes(kinds);
    const [pods, ...lists] = await Promise.all([
      this.kube.list<PodLike>(resourcePath(RESOURCES.pods, this.namespace)),
      ...types.map((t) => this.kube.list<WorkloadLike>(resourcePath(t, this.namespace))),
    ]);
    const workloads = lists.flatMap((l, i) => l.items.map((w) => ({ ...w, kind: types[i]!.kind })));
    return { workloads, pods: pods.items.map((p) => ({ ...p, kind: 'Pod' as const })) };
  }

  getLease(name: string): Promise<LeaseObject | undefined> {
    return getIfExists<LeaseObject>(this.kube, LEASES, this.namespace, name);
  }

  createLease(lease: LeaseObject): Promise<LeaseObject> {
    return writing(() => this.kube.create<LeaseObject>(resourcePath(LEASES, this.namespace), lease));
  }

  replaceLease(lease: LeaseObject): Promise<LeaseObject> {
    return writing(() =>
      this.kube.replace<LeaseObject>(resourcePath(LEASES, this.namespace, lease.metadata.name), lease),
    );
  }

  deleteLease(name: string, preconditions?: Preconditions): Promise<boolean> {
    return this.remove(resourcePath(LEASES, this.namespace, name), preconditions);
  }

  private async remove(path: string, preconditions: Preconditions | undefined): Promise<boolean> {
    try {
      await writing(() =>
        this.kube.delete(path, {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(preconditions ? { preconditions } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof RejectedError && err.status === 404) return false;
      throw err;
    }
  }
}

/** The kinds the health gate reads for these consumers: ReplicaSets too for Deployments. */
function observedTypes(kinds: readonly RolloutKind[]): ResourceType[] {
  const types: ResourceType[] = kinds.map((k) => ROLLOUT_TYPES[k]);
  if (kinds.includes('Deployment')) types.push(RESOURCES.replicasets);
  return types;
}

/** A write of a Secret's data whose refusal is told without the API server's words (see withoutValues). */
async function carryingData<T>(secret: SecretObject, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw err instanceof KubeApiError ? withoutValues(err, secret.metadata.name ?? '') : err;
  }
}

/** Maps the API's answers to a write: 409 → ConflictError, other 4xx refusals → RejectedError. */
async function writing<T>(write: () => Promise<T>, { conflictOn422 = false } = {}): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    if (err.status === 409 || (conflictOn422 && err.status === 422))
      throw new ConflictError(err.message, { cause: err });
    if ([400, 403, 404, 422].includes(err.status)) throw new RejectedError(err.message, err.status, { cause: err });
    throw err;
  }
}
