import { describe, expect, it } from 'vitest';
import { describeCopies, LAST_APPLIED, valueCopies, withoutCopies } from '../../../src/rotate/value-copies.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const data = { password: b64('s3cr3t-"quoted"'), user: b64('app') };

describe('valueCopies', () => {
  it('finds last-applied-configuration with data or stringData, whatever the value', () => {
    const applied = JSON.stringify({ kind: 'Secret', stringData: { user: 'app' } });
    expect(valueCopies({ annotations: { [LAST_APPLIED]: applied } }, data).annotations).toEqual([LAST_APPLIED]);
    const noData = JSON.stringify({ kind: 'Secret', metadata: { name: 'db' } });
    expect(valueCopies({ annotations: { [LAST_APPLIED]: noData } }, data).annotations).toEqual([]);
    expect(valueCopies({ annotations: { [LAST_APPLIED]: '{not json' } }, data).annotations).toEqual([LAST_APPLIED]);
  });

  it('finds values in text, base64 and JSON-escaped form in annotations and labels', () => {
    const meta = {
      annotations: {
        note: 'was s3cr3t-"quoted" before',
        enc: data.password,
        json: '{"pw":"s3cr3t-\\"quoted\\""}',
        team: 'app',
      },
      labels: { app: 'app', copy: 's3cr3t-"quoted"' },
    };
    const c = valueCopies(meta, data);
    expect(c).toEqual({ annotations: ['enc', 'json', 'note'], labels: ['copy'] });
    expect(describeCopies(c)).toBe('annotation enc, annotation json, annotation note, label copy');
    expect(withoutCopies(meta, c)).toEqual({ annotations: { team: 'app' }, labels: { app: 'app' } });
  });

  it('does not look for short values inside other strings', () => {
    expect(valueCopies({ labels: { name: 'app' }, annotations: { a: 'application' } }, data)).toEqual({
      annotations: [],
      labels: [],
    });
  });
});
