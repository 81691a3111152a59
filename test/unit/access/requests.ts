// Requests as the audit engine hands them on, for the access tests.
import type { SecretRead } from '../../../src/audit/run.js';

/** A named get by `user` that returned the value, from one source IP by kubectl; `over` changes any field. */
export function secretRead(user: string, over: Partial<SecretRead> = {}): SecretRead {
  return {
    auditID: null,
    stageRank: 2,
    verb: 'get',
    namespace: 'shop',
    name: 'db',
    scope: 'named',
    user,
    impersonatedUser: null,
    pod: null,
    node: null,
    sourceIPs: ['10.0.0.1'],
    userAgent: 'kubectl/v1.37.2',
    code: 200,
    denied: false,
    time: null,
    format: 'k8s-v1',
    ...over,
  };
}
