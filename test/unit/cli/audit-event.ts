// One audit.k8s.io/v1 ResponseComplete event line: a get of Secret prod/db.
export function auditEventLine(fields: { id: string; user: string; agent?: string; second?: number }): string {
  const at = `2026-01-01T10:00:${String(fields.second ?? 0).padStart(2, '0')}`;
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: fields.id,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/prod/secrets/db',
    verb: 'get',
    user: { username: fields.user, groups: ['system:authenticated'] },
    sourceIPs: ['192.0.2.1'],
    userAgent: fields.agent ?? 'kubectl/v1.37.2',
    objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: `${at}.000000Z`,
    stageTimestamp: `${at}.001000Z`,
  });
}
