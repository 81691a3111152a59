// investigate's summary lines: counts read as English, one or many.
import { describe, expect, it } from 'vitest';
import { printIncident, summaryLines } from '../../../src/cli/investigate-view.js';
import type { IO } from '../../../src/cli/io.js';
import type { IncidentReport } from '../../../src/investigate/report.js';

const report = (n: number): IncidentReport =>
  ({
    metadata: { generatedAt: '2026-12-05T00:00:00Z', window: null, logs: [] },
    summary: {
      secret: {
        namespace: 'shop',
        name: 'db',
        exists: true,
        type: 'Opaque',
        immutable: false,
        keys: [],
        manager: null,
      },
      couldRead: { subjects: n, direct: n, indirect: 0, everyone: [] },
      didRead: { subjects: n, requests: n, denied: 0 },
      mounted: { workloads: n, pods: n, nodes: n },
    },
  }) as unknown as IncidentReport;

describe('investigate summary', () => {
  it('counts one subject, request, workload, pod and node in the singular', () => {
    expect(summaryLines(report(1))).toContain(
      'could read: 1 subject (1 direct, 0 indirect); did read: 1 subject in 1 request (0 denied); mounted in 1 workload, 1 pod, 1 node.',
    );
    expect(summaryLines(report(2))).toContain(
      'could read: 2 subjects (2 direct, 0 indirect); did read: 2 subjects in 2 requests (0 denied); mounted in 2 workloads, 2 pods, 2 nodes.',
    );
  });
});

describe('investigate -o name', () => {
  it('prints each subject on one line: a line break in a user name from the log is shown escaped', () => {
    let text = '';
    const stream = { isTTY: false, write: (s: string) => ((text += s), true) };
    const incident = {
      ...report(1),
      metadata: { warnings: [] },
      subjects: [{ kind: 'User', name: 'bob\nsystem:masters' }],
    } as unknown as IncidentReport;
    printIncident(incident, [], { output: 'name', noHeaders: false }, {
      stdout: stream,
      stderr: stream,
    } as unknown as IO);
    expect(text).toBe('user/bob\\nsystem:masters\n');
  });
});
