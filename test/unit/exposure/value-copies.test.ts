// Issue 14 item 1 (exposure and who-can): a Secret whose annotations hold a
// copy of its data (kubectl apply's last-applied-configuration with data or
// stringData, or any annotation carrying a value) is a high risk: whoever may
// read its metadata reads the values. who-can's metadata-only list never
// keeps annotations.
import { describe, expect, it } from 'vitest';
import { toFacts } from '../../../src/kube/exposure-sources.js';
import { loadClusterSnapshot } from '../../../src/kube/rbac.js';
import { exposureReport, findingsAtOrAbove, secretInventory } from '../../../src/exposure/report.js';
import type { ListOptions, ListResult } from '../../../src/kube/client.js';
import { makeCanary } from '../../harness/canary.js';
import { FakeKube } from '../whocan/fake-kube.js';
import { NS, inputs } from './builders.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const complete = { warnings: [], notes: [], complete: true };

function applied(name: string, value: string, field: 'data' | 'stringData', extra: Record<string, string> = {}) {
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    [field]: { password: field === 'data' ? b64(value) : value },
  };
  return {
    metadata: { name, namespace: NS, annotations: { [LAST_APPLIED]: `${JSON.stringify(body)}\n`, ...extra } },
    type: 'Opaque',
    data: { password: b64(value) },
  };
}

describe('annotations that copy the data', () => {
  for (const field of ['data', 'stringData'] as const) {
    it(`last-applied-configuration with ${field}: flagged, and the copy itself is dropped`, () => {
      const value = makeCanary();
      const f = toFacts(applied('db', value, field), false);
      expect(f.valueCopies).toEqual([LAST_APPLIED]);
      expect(JSON.stringify(f)).not.toContain(value);
      expect(JSON.stringify(f)).not.toContain(b64(value));
    });
  }

  it('also from metadata alone (PartialObjectMetadata, --metadata-only): the structure tells', () => {
    const { data: _data, type: _type, ...meta } = applied('db', makeCanary(), 'stringData');
    expect(toFacts(meta, false).valueCopies).toEqual([LAST_APPLIED]);
  });

  it('any other annotation holding a value, plain or base64', () => {
    const value = makeCanary();
    const s = {
      metadata: {
        name: 'db',
        namespace: NS,
        annotations: { note: `backup of ${value}`, 'x/b64': b64(value), fine: 'team-a' },
      },
      type: 'Opaque',
      data: { password: b64(value), flag: b64('true') },
    };
    const f = toFacts(s, false);
    expect(f.valueCopies).toEqual(['note', 'x/b64']);
    expect(JSON.stringify(f)).not.toContain(value);
    expect(JSON.stringify(f)).not.toContain(b64(value));
  });

  it('not flagged: last-applied without data (created with kubectl apply of an empty Secret), or short values found by chance', () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 'Opaque' });
    expect(
      toFacts({ metadata: { name: 'db', annotations: { [LAST_APPLIED]: body } }, type: 'Opaque', data: {} }, false)
        .valueCopies,
    ).toBeUndefined();
    const s = {
      metadata: { name: 'db', annotations: { enabled: 'true' } },
      type: 'Opaque',
      data: { flag: b64('true') },
    };
    expect(toFacts(s, false).valueCopies).toBeUndefined();
  });

  it('is a high risk of the Secret in exposure NAME (no consumer needed), in -A, and for --fail-on', () => {
    const secrets = [toFacts(applied('db', makeCanary(), 'stringData'), false)];
    const report = exposureReport(inputs({ secrets }), { namespace: NS, name: 'db' }, complete);
    expect(report.metadata.secrets[0]!.risks).toEqual([
      {
        id: 'value-in-metadata',
        severity: 'high',
        reason: expect.stringContaining(`annotation ${LAST_APPLIED} holds a copy of the data`),
      },
    ]);
    expect(report.metadata.worstRisk).toBe('high');
    expect(findingsAtOrAbove(report.metadata.findings, 'high')).toBe(1);
    const inventory = secretInventory(inputs({ secrets }), NS, complete);
    expect(inventory.items[0]).toMatchObject({ name: 'db', worstRisk: 'high', risks: ['value-in-metadata'] });
    expect(inventory.metadata.findings.high).toBe(1);
  });
});

describe("who-can's metadata-only list of the Secret", () => {
  it('keeps no annotation of the page it gets', async () => {
    const value = makeCanary();
    const held: unknown[] = [];
    class Recording extends FakeKube {
      override async list<T>(
        path: string,
        options: ListOptions & { map?: (item: T) => unknown } = {},
      ): Promise<ListResult<T>> {
        const result = await super.list<T>(path, options);
        if (path.endsWith('/secrets')) held.push(...result.items);
        return result;
      }
    }
    const kube = new Recording({ [`/api/v1/namespaces/${NS}/secrets`]: [applied('db', value, 'stringData')] });
    const snapshot = await loadClusterSnapshot(kube, NS, 'db', { indirect: false });
    expect(snapshot.secretExists).toBe(true);
    expect(held.length).toBe(1);
    expect(JSON.stringify(held)).not.toContain('annotations');
    expect(JSON.stringify(snapshot)).not.toContain(value);
  });
});
