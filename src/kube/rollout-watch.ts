// The health gate's view of rollouts, kept by watches instead of polls: one
// list and one watch per kind for the whole wait, then only the changes.
// Relists a kind when its watch expires (410) or breaks, resyncs everything
// now and then, and falls back to polling when watching is forbidden.
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import type { RolloutObserver } from '../rotate/port.js';
import type { Kube, WatchEvent } from './client.js';
import { isForbidden } from './errors.js';
import type { LineStream } from './http.js';
import { resourcePath, type ResourceType } from './paths.js';

type Item = { metadata?: { uid?: string; resourceVersion?: string } } & Record<string, unknown>;

interface KindState {
  type: ResourceType;
  items: Map<string, Item>;
  resourceVersion: string;
  stream?: LineStream;
  /** Set when the watch ended or broke: list again before trusting the cache. */
  stale: boolean;
}

/** How often everything is listed again even though the watches say nothing changed. */
export const RESYNC_MS = 60_000;
/** Events come in bursts (a rollout touches many objects at once): gather them before evaluating. */
const BURST_MS = 50;

export class WatchingObserver implements RolloutObserver {
  private readonly kinds: KindState[];
  private started = false;
  private polling = false;
  private closed = false;
  private changed = false;
  private wake: (() => void) | undefined;
  private lastResync = 0;

  constructor(
    private readonly kube: Kube & Required<Pick<Kube, 'watch'>>,
    private readonly namespace: string,
    types: readonly ResourceType[],
  ) {
    this.kinds = types.map((type) => ({ type, items: new Map(), resourceVersion: '', stale: true }));
  }

  async next(maxWaitMs: number): Promise<{ workloads: WorkloadLike[]; pods: PodLike[] }> {
    if (this.started) await this.waitForChange(maxWaitMs);
    this.started = true;
    const resync = Date.now() - this.lastResync >= RESYNC_MS;
    if (resync) this.lastResync = Date.now();
    for (const k of this.kinds) if (resync || this.polling || k.stale) await this.relist(k);
    this.changed = false;
    return this.snapshot();
  }

  close(): void {
    this.closed = true;
    for (const k of this.kinds) k.stream?.close();
    this.wake?.();
  }

  private async waitForChange(maxWaitMs: number): Promise<void> {
    if (!this.changed && !this.kinds.some((k) => k.stale)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    if (this.changed && !this.polling) await new Promise((r) => setTimeout(r, BURST_MS));
  }

  private async relist(k: KindState): Promise<void> {
    k.stream?.close();
    k.stream = undefined;
    const list = await this.kube.list<Item>(resourcePath(k.type, this.namespace));
    k.items = new Map(list.items.map((item) => [item.metadata?.uid ?? '', item]));
    k.resourceVersion = list.resourceVersion;
    k.stale = false;
    if (!this.polling && !this.closed) await this.startWatch(k);
  }

  private async startWatch(k: KindState): Promise<void> {
    const path = resourcePath(k.type, this.namespace);
    let stream: LineStream;
    try {
      stream = await this.kube.watch(path, { resourceVersion: k.resourceVersion }, (event) => this.apply(k, event));
    } catch (err) {
      if (!isForbidden(err)) throw err;
      this.polling = true;
      return;
    }
    k.stream = stream;
    stream.done.then(
      () => this.lost(k, stream),
      (err: unknown) => {
        // Allowed to list but not to watch: poll from now on.
        if (isForbidden(err)) this.polling = true;
        this.lost(k, stream);
      },
    );
  }

  private lost(k: KindState, stream: LineStream): void {
    if (this.closed || k.stream !== stream) return;
    k.stream = undefined;
    k.stale = true;
    this.wake?.();
  }

  private apply(k: KindState, event: WatchEvent): void {
    const { object } = event;
    if (event.type === 'ERROR') {
      // 410 Gone: the resourceVersion is too old; anything else: start over too.
      k.stale = true;
      k.stream?.close();
      this.wake?.();
      return;
    }
    if (object.metadata?.resourceVersion) k.resourceVersion = object.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const uid = object.metadata?.uid ?? '';
    if (event.type === 'DELETED') k.items.delete(uid);
    else k.items.set(uid, object as Item);
    this.changed = true;
    this.wake?.();
  }

  private snapshot(): { workloads: WorkloadLike[]; pods: PodLike[] } {
    const workloads: WorkloadLike[] = [];
    const pods: PodLike[] = [];
    for (const k of this.kinds) {
      for (const item of k.items.values()) {
        if (k.type.kind === 'Pod') pods.push({ ...item, kind: 'Pod' } as unknown as PodLike);
        else workloads.push({ ...item, kind: k.type.kind } as unknown as WorkloadLike);
      }
    }
    return { workloads, pods };
  }
}
