import type { Kube, ListOptions } from './client.js';
import { withList } from './shared-lists.js';

/** Items received so far per listed resource (pods, deployments, …), and the round trips made. */
export interface ListCounts {
  items: Map<string, number>;
  roundTrips: number;
}

/**
 * A Kube that reports, page by page, how many items each list has brought so far
 * (for a spinner). Everything else passes through unchanged.
 */
export function countingLists(kube: Kube, onChange: (counts: ListCounts) => void): Kube {
  const items = new Map<string, number>();
  return withList(kube, (path: string, options: ListOptions = {}) => {
    const resource = path.split('/').pop() ?? path;
    return kube.list(path, {
      ...options,
      onPage: (count: number) => {
        options.onPage?.(count);
        items.set(resource, count);
        onChange({ items, roundTrips: kube.roundTrips });
      },
    } as never);
  });
}

/** "12,000 pods, 40 deployments, … (31 round trips)": the largest lists first. */
export function countsText(counts: ListCounts): string {
  const parts = [...counts.items]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([resource, n]) => `${n.toLocaleString('en-US')} ${resource}`);
  const trips = `(${counts.roundTrips} round trip${counts.roundTrips === 1 ? '' : 's'})`;
  return parts.length > 0 ? `${parts.join(', ')} ${trips}` : trips;
}
