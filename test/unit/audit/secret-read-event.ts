// One logged stage of a Secret read for the audit engine's tests: alice's get of prod/db, its own request (an
// auditID made of `n`), at Metadata level, ResponseComplete, 200; `fields` go on top.
export function secretReadEvent(n: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `11111111-2222-4333-8444-${String(n).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    verb: 'get',
    requestURI: '/api/v1/namespaces/prod/secrets/db',
    user: { username: 'alice' },
    sourceIPs: ['10.0.0.1'],
    userAgent: 'kubectl/v1.37.2',
    objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
    requestReceivedTimestamp: '2025-06-01T10:00:00.000000Z',
    responseStatus: { code: 200 },
    ...fields,
  };
}

/** alice's create of a Secret in prod logged at Request level: the Secret, values and all, in requestObject. */
export function secretCreateEvent(n: number, secret: Record<string, unknown>): Record<string, unknown> {
  return secretReadEvent(n, {
    level: 'Request',
    verb: 'create',
    requestURI: '/api/v1/namespaces/prod/secrets',
    objectRef: { resource: 'secrets', namespace: 'prod', apiVersion: 'v1' },
    requestObject: secret,
    responseStatus: { code: 201 },
  });
}
