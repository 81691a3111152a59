import { describe, expect, it } from 'vitest';
import { fieldSelectedName } from '../../../src/audit/field-selector.js';

describe('fieldSelectedName', () => {
  it('reads metadata.name=NAME however it is encoded', () => {
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Ddb&watch=true')).toBe('db');
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?limit=500&fieldSelector=metadata.name%3D%3Ddb')).toBe('db');
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=type%3DOpaque%2Cmetadata.name%3Ddb')).toBe(
      'db',
    );
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=metadata.name=db')).toBe('db');
  });

  it('is null when no single name is selected', () => {
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%21%3Ddb')).toBeNull();
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=type%3DOpaque')).toBeNull();
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?labelSelector=metadata.name%3Ddb')).toBeNull();
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets')).toBeNull();
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=%E0%A4%A')).toBeNull();
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?x=fieldSelector=metadata.name%3Ddb')).toBeNull();
    expect(fieldSelectedName(undefined)).toBeNull();
  });

  it('answers alike when asked again, past the number of selectors it remembers', () => {
    const uri = (i: number) => `/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Ds${i}&resourceVersion=${i}`;
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 5000; i++) expect(fieldSelectedName(uri(i))).toBe(`s${i}`);
    expect(fieldSelectedName('/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%21%3Ds1')).toBeNull();
  });
});
