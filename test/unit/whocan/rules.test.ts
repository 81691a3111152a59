import { describe, expect, it } from 'vitest';
import { ruleAllows, ruleText } from '../../../src/whocan/rules.js';
import type { PolicyRule, RequestAttributes } from '../../../src/whocan/types.js';
import { rule } from './fixtures.js';

const getSecret: RequestAttributes = { verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'app', name: 'db' };
const listSecrets: RequestAttributes = { verb: 'list', apiGroup: '', resource: 'secrets', namespace: 'app' };

describe('ruleAllows (RBAC evaluation helpers)', () => {
  it.each<[string, PolicyRule, RequestAttributes, boolean]>([
    ['exact', rule(['get'], ['secrets']), getSecret, true],
    ['other verb', rule(['list'], ['secrets']), getSecret, false],
    ['verb *', rule(['*'], ['secrets']), getSecret, true],
    ['resource *', rule(['get'], ['*']), getSecret, true],
    ['apiGroup *', rule(['get'], ['secrets'], ['*']), getSecret, true],
    ['everything *', rule(['*'], ['*'], ['*']), getSecret, true],
    ['secrets of another group are not core secrets', rule(['get'], ['secrets'], ['apps']), getSecret, false],
    ['no apiGroups matches nothing', { verbs: ['get'], resources: ['secrets'] }, getSecret, false],
    ['resourceNames with the name', rule(['get'], ['secrets'], [''], ['db']), getSecret, true],
    ['resourceNames without it', rule(['get'], ['secrets'], [''], ['other']), getSecret, false],
    ['resourceNames never match an unnamed list', rule(['list'], ['secrets'], [''], ['db']), listSecrets, false],
    [
      'resourceNames match a field-selected list',
      rule(['list'], ['secrets'], [''], ['db']),
      { ...listSecrets, name: 'db' },
      true,
    ],
    ['a subresource rule does not grant the resource', rule(['get'], ['secrets/status']), getSecret, false],
    ['secrets/* does not grant secrets', rule(['get'], ['secrets/*']), getSecret, false],
    ['*/status does not grant secrets', rule(['get'], ['*/status']), getSecret, false],
    ['nonResourceURLs rules never match resources', { verbs: ['get'], nonResourceURLs: ['*'] }, getSecret, false],
  ])('%s', (_name, r, req, expected) => {
    expect(ruleAllows(r, req)).toBe(expected);
  });

  it('matches subresources exactly, or with */sub, and * covers them', () => {
    const exec: RequestAttributes = {
      verb: 'create',
      apiGroup: '',
      resource: 'pods',
      subresource: 'exec',
      namespace: 'app',
      name: 'web',
    };
    expect(ruleAllows(rule(['create'], ['pods/exec']), exec)).toBe(true);
    expect(ruleAllows(rule(['create'], ['*/exec']), exec)).toBe(true);
    expect(ruleAllows(rule(['create'], ['*']), exec)).toBe(true);
    expect(ruleAllows(rule(['create'], ['pods']), exec)).toBe(false);
    expect(ruleAllows(rule(['create'], ['pods/attach']), exec)).toBe(false);
  });

  it('prints a rule like kubectl describe', () => {
    expect(ruleText(rule(['get', 'list'], ['secrets'], [''], ['db']))).toBe('get,list secrets [db] (apiGroups: "")');
    expect(ruleText({ verbs: ['get'], nonResourceURLs: ['/healthz'] })).toBe('get /healthz');
  });
});
