import { describe, expect, it } from 'vitest';
import { LABEL_NAME, LABEL_STAGE, LABEL_VERSION } from '../../../src/rotate/constants.js';
import { currentVersion, nextVersion, versionsOf, versionsToPrune } from '../../../src/rotate/versions.js';
import { secret } from './builders.js';

const labelled = (name: string, version: number, stage?: string) =>
  secret(name, {
    labels: { [LABEL_NAME]: 'db', [LABEL_VERSION]: String(version), ...(stage ? { [LABEL_STAGE]: stage } : {}) },
  });

describe('versions', () => {
  it('treats an unversioned Secret named like the logical name as version 1 and current', () => {
    const versions = versionsOf('db', [secret('db'), secret('other')]);
    expect(versions).toEqual([{ name: 'db', version: 1, stage: undefined, unversioned: true }]);
    expect(currentVersion('db', versions)?.name).toBe('db');
    expect(nextVersion('db', versions, new Set())).toEqual({ name: 'db-v2', version: 2 });
  });

  it('orders versions newest first and finds the one staged current', () => {
    const versions = versionsOf('db', [
      labelled('db', 1, 'deprecated'),
      labelled('db-v3', 3, 'current'),
      labelled('db-v2', 2, 'previous'),
      labelled('db-v4', 4, 'failed'),
    ]);
    expect(versions.map((v) => v.name)).toEqual(['db-v4', 'db-v3', 'db-v2', 'db']);
    expect(currentVersion('db', versions)?.name).toBe('db-v3');
    // Numbers are never reused, not even a failed one's.
    expect(nextVersion('db', versions, new Set()).name).toBe('db-v5');
    expect(nextVersion('db', versions, new Set(['db-v5'])).name).toBe('db-v6');
  });

  it('ignores Secrets of other logical names and unparseable ones', () => {
    const foreign = secret('db-v9', { labels: { [LABEL_NAME]: 'cache', [LABEL_VERSION]: '9' } });
    const odd = secret('db-previous', { labels: { [LABEL_NAME]: 'db' } });
    expect(versionsOf('db', [foreign, odd, labelled('db-v2', 2, 'current')]).map((v) => v.name)).toEqual(['db-v2']);
  });
});

describe('versionsToPrune', () => {
  const versions = versionsOf('db', [
    labelled('db-v5', 5, 'current'),
    labelled('db-v4', 4, 'failed'),
    labelled('db-v3', 3, 'previous'),
    labelled('db-v2', 2, 'deprecated'),
    labelled('db', 1, 'deprecated'),
  ]);

  it('keeps the newest --keep versions, deletes failed ones and older unused ones', () => {
    const { prune, keptInUse } = versionsToPrune(versions, { keep: 2, current: 'db-v5', inUse: new Set() });
    expect(prune.map((v) => v.name)).toEqual(['db-v4', 'db-v2', 'db']);
    expect(keptInUse).toEqual([]);
  });

  it('never deletes a version in use, nor the current one', () => {
    const { prune, keptInUse } = versionsToPrune(versions, {
      keep: 1,
      current: 'db-v5',
      inUse: new Set(['db', 'db-v5']),
    });
    expect(prune.map((v) => v.name)).toEqual(['db-v4', 'db-v3', 'db-v2']);
    expect(keptInUse.map((v) => v.name)).toEqual(['db']);
  });
});
