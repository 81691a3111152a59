// Issue 14 item 10: the README's permission table is exactly the list the
// tool checks (rotate) and the e2e permission test grants and takes away.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_PERMISSIONS, grantsOf, permissionTable } from '../../../src/kube/permissions.js';
import { REPO } from '../../harness/runCli.js';

describe('permission table', () => {
  it('the README shows exactly COMMAND_PERMISSIONS (re-render with permissionTable() after a change)', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const between = /<!-- permissions:begin -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme);
    expect(
      between,
      'README.md needs the <!-- permissions:begin --> ... <!-- permissions:end --> markers',
    ).not.toBeNull();
    expect(between![1]).toBe(permissionTable());
  });

  it("rotate's row has what issue 14 found missing: list secrets, the workload lists, delete leases", () => {
    const rotate = grantsOf('rotate').map((g) => `${g.verb} ${g.resource}`);
    expect(rotate).toEqual(
      expect.arrayContaining([
        'list secrets',
        'list deployments',
        'list statefulsets',
        'list daemonsets',
        'list cronjobs',
        'delete leases',
      ]),
    );
  });

  it('covers every command', () => {
    expect(Object.keys(COMMAND_PERMISSIONS).sort()).toEqual([
      'audit',
      'exposure',
      'exposure -A',
      'investigate',
      'least-privilege',
      'rotate',
      'who-can',
    ]);
  });
});
