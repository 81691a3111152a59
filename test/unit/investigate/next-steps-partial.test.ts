// Next steps on a partial view: what the tool could not list is not taken to be absent.
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/investigate/next-steps.js';

const input = {
  secret: { namespace: 'shop', name: 'db' },
  subjects: [],
  consumers: [],
  bindings: [],
  manager: null,
  auditLogs: true,
  consumerPods: [],
};

describe('next steps on a partial view', () => {
  it('no consumer found among the pods and workloads it could list: not "no consumers"', () => {
    const [rotate] = nextSteps({ ...input, consumersKnown: false });
    expect(rotate!.reason).toContain('consumers unknown: not every pod and workload could be listed');
    expect(nextSteps({ ...input, consumersKnown: true })[0]!.reason).toContain('no consumers found');
  });

  it('consumers found, others maybe not', () => {
    const consumers = [
      { kind: 'Deployment', namespace: 'shop', name: 'web', serviceAccount: null, nodes: [], replicas: null, uses: [] },
    ];
    const [rotate] = nextSteps({ ...input, consumers, consumersKnown: false });
    expect(rotate!.reason).toContain('consumers to repoint: Deployment/web, maybe more');
  });
});
