// A seeded generator of audit logs with every case the engine must get right, and an
// independent, deliberately plain reference counter to check the engine against.
import { gunzipSync } from 'node:zlib';
import { mulberry32 as rng } from '../../harness/prng.mjs';

export interface TrickyFile {
  name: string;
  content: Buffer;
}

export interface TrickyLog {
  files: TrickyFile[];
  /** Damaged lines planted, by the reason the engine should give. */
  planted: { malformed: number; nonUtf8: number; huge: number; incompleteLastLine: number; emptyFiles: number };
}

const NAMES = ['db-password', 'api-token', 'tls'];
const NAMESPACES = ['prod', 'staging'];

export function trickyLog(seed: number, requests: number, maxLineBytes: number): TrickyLog {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // `read`: a native Secret read, which may be damaged later
  const lines: { text: string; read: boolean }[] = [];
  let clock = Date.parse('2025-06-01T00:00:00Z');

  for (let i = 0; i < requests; i++) {
    clock += 1000 + Math.floor(random() * 5000);
    const ts = new Date(clock).toISOString().replace('Z', '123Z');
    const id = `req-${seed}-${i}`;
    const secret = random() < 0.6;
    const verb = pick(secret ? ['get', 'list', 'watch'] : ['get', 'list', 'create', 'delete']);
    const ns = random() < 0.15 ? null : pick(NAMESPACES);
    const name = pick(NAMES);
    const shape = verb === 'get' ? 'named' : pick(['named-by-field', 'other-field', 'all']);
    const selected = shape === 'named-by-field' ? name : shape === 'other-field' ? `${name}-other` : null;
    const resource = secret || verb === 'create' || verb === 'delete' ? 'secrets' : pick(['configmaps', 'pods']);
    const who = Math.floor(random() * 6);
    const user =
      who === 0
        ? { username: `system:node:node-${Math.floor(random() * 3)}`, groups: ['system:nodes'] }
        : who === 1
          ? {
              username: `system:serviceaccount:${ns ?? 'prod'}:app`,
              groups: ['system:serviceaccounts'],
              extra: {
                'authentication.kubernetes.io/pod-name': [`app-${i}`],
                'authentication.kubernetes.io/node-name': ['node-1'],
              },
            }
          : who === 2
            ? { username: 'system:kube-controller-manager', groups: [] }
            : { username: pick(['alice', 'bob', 'carol@example.com']), groups: ['system:authenticated'] };
    const impersonated =
      who >= 3 && random() < 0.2 ? { username: pick(['dave', 'system:serviceaccount:prod:app']) } : undefined;
    const denied = random() < 0.15;
    const uri = `/api/v1/${ns ? `namespaces/${ns}/` : ''}${resource}${
      verb === 'get' || verb === 'delete' ? `/${name}` : ''
    }${
      selected ? `?fieldSelector=metadata.name%3D${selected}` : ''
    }${verb === 'watch' ? `${selected ? '&' : '?'}watch=true` : ''}`;
    const objectRef = {
      resource,
      ...(ns ? { namespace: ns } : {}),
      ...(verb === 'get' || verb === 'delete' || selected ? { name: selected ?? name } : {}),
      apiVersion: 'v1',
    };
    const stageNames =
      verb === 'watch'
        ? ['RequestReceived', 'ResponseStarted', 'ResponseComplete']
        : ['RequestReceived', 'ResponseComplete'];
    const logged = stageNames.filter(() => random() < 0.7);
    if (logged.length === 0) logged.push(stageNames.at(-1)!);
    const format = pick(['native', 'native', 'native', 'native', 'aks', 'aks-object', 'eks', 'gke']);

    if (format === 'gke') {
      const method = `io.k8s.core.v1.${resource}.${verb}`;
      const resourceName = `core/v1/${ns ? `namespaces/${ns}/` : ''}${resource}${objectRef.name ? `/${objectRef.name}` : ''}`;
      lines.push({
        read: false,
        text: JSON.stringify({
          insertId: id,
          protoPayload: {
            authenticationInfo: { principalEmail: user.username },
            methodName: method,
            resourceName,
            requestMetadata: { callerIp: '10.0.0.1', callerSuppliedUserAgent: 'kubectl' },
            status: denied ? { code: 7, message: 'PERMISSION_DENIED' } : {},
          },
          timestamp: ts,
        }),
      });
      continue;
    }
    for (const stage of logged) {
      const event: Record<string, unknown> = {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'Metadata',
        auditID: id,
        stage,
        requestURI: uri,
        verb,
        user,
        // the API server logs RequestReceived before it resolves impersonation
        ...(impersonated && stage !== 'RequestReceived' ? { impersonatedUser: impersonated } : {}),
        sourceIPs: ['10.0.0.1'],
        userAgent: 'kubectl',
        objectRef,
      };
      if (stage !== 'RequestReceived') {
        event['responseStatus'] = { metadata: {}, code: denied ? 403 : 200 };
        event['annotations'] = { 'authorization.k8s.io/decision': denied && random() < 0.5 ? 'forbid' : 'allow' };
      }
      event['requestReceivedTimestamp'] = ts;
      event['stageTimestamp'] = ts;
      const text = JSON.stringify(event);
      if (format === 'native') lines.push({ text, read: secret });
      else if (format === 'aks')
        lines.push({ text: JSON.stringify({ category: 'kube-audit', properties: { log: `${text}\n` } }), read: false });
      else if (format === 'aks-object')
        lines.push({ text: JSON.stringify({ category: 'kube-audit', properties: { log: event } }), read: false });
      else lines.push({ text: JSON.stringify({ timestamp: clock, message: text }), read: false });
    }
  }

  // stages of one request are not always adjacent: swap some neighbours
  for (let i = 1; i < lines.length; i++) {
    if (random() < 0.2) [lines[i - 1], lines[i]] = [lines[i]!, lines[i - 1]!];
  }

  // damage some Secret read lines in place
  const damage: (keyof TrickyLog['planted'] | null)[] = [];
  const raw = lines.map(({ text, read }) => {
    const kind = read && random() < 0.04 ? Math.floor(random() * 3) : -1;
    damage.push(kind === 0 ? 'malformed' : kind === 1 ? 'nonUtf8' : kind === 2 ? 'huge' : null);
    if (kind === 0) return Buffer.from(`${text.slice(0, text.indexOf('"stageTimestamp"'))}"oops`);
    if (kind === 1) {
      const cut = text.indexOf('kubectl');
      return Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(cut))]);
    }
    if (kind === 2)
      return Buffer.from(text.replace('"userAgent":"kubectl"', `"userAgent":"${'k'.repeat(maxLineBytes)}"`));
    return Buffer.from(text);
  });

  // three rotated files that overlap by a few lines, the live one ending mid-line
  const third = Math.ceil(raw.length / 3);
  const ranges: [number, number][] = [
    [0, third],
    [third - 7, 2 * third],
    [2 * third - 5, raw.length],
  ];
  const planted = { malformed: 0, nonUtf8: 0, huge: 0, incompleteLastLine: 1, emptyFiles: 1 };
  const joined = ranges.map(([from, to]) => {
    for (const kind of damage.slice(from, to)) if (kind) planted[kind]++;
    return Buffer.concat(raw.slice(from, to).flatMap((l) => [l, Buffer.from('\n')]));
  });
  const half = Buffer.from(lines[0]!.text.slice(0, 80));
  return {
    files: [
      {
        name: 'audit-2025-06-01T01-00-00.000.log',
        content: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), joined[0]!]),
      },
      { name: 'audit-2025-06-01T02-00-00.000.log', content: joined[1]! },
      { name: 'audit.log', content: Buffer.concat([joined[2]!, half]) },
      { name: 'audit-2025-05-31T00-00-00.000.log', content: Buffer.alloc(0) },
    ],
    planted,
  };
}

export interface ReferenceCount {
  requests: number;
  denied: number;
  /** "subject label" -> [count, denied] */
  bySubject: Map<string, [number, number]>;
}

/**
 * Counts Secret reads the plain way: decode and parse every line, unwrap each format,
 * keep get/list/watch of core secrets, one per request, outcome from its last stage.
 */
export function referenceCount(
  files: readonly TrickyFile[],
  maxLineBytes: number,
  onlySecret?: string,
): ReferenceCount {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const requests = new Map<string, { user: string; imp?: string; rank: number; denied: boolean }>();
  const rank = (stage: unknown) => (stage === 'RequestReceived' ? 0 : stage === 'ResponseStarted' ? 1 : 2);
  const note = (key: string, user: string, imp: string | undefined, stageRank: number, denied: boolean) => {
    const known = requests.get(key) ?? { user, rank: -1, denied };
    known.imp ??= imp;
    if (stageRank > known.rank) Object.assign(known, { rank: stageRank, denied });
    requests.set(key, known);
  };
  const reaches = (name: string | undefined) => onlySecret === undefined || name === undefined || name === onlySecret;

  for (const file of files) {
    let bytes = file.content[0] === 0x1f && file.content[1] === 0x8b ? gunzipSync(file.content) : file.content;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      const line = bytes.subarray(start, end);
      start = end + 1;
      if (line.length === 0 || line.length > maxLineBytes) continue;
      let record: any;
      try {
        record = JSON.parse(decoder.decode(line));
      } catch {
        continue;
      }
      if (record.protoPayload) {
        const p = record.protoPayload;
        const [, , group, , resource, verb] = String(p.methodName).split('.');
        if (group !== 'core' || resource !== 'secrets' || !['get', 'list', 'watch'].includes(verb!)) continue;
        const path = String(p.resourceName).split('/');
        const name = path.at(-2) === 'secrets' ? path.at(-1) : undefined;
        if (!reaches(name)) continue;
        note(`${record.insertId}`, p.authenticationInfo.principalEmail, undefined, 2, p.status?.code === 7);
        continue;
      }
      let event = record;
      if (record.properties)
        event = typeof record.properties.log === 'string' ? JSON.parse(record.properties.log) : record.properties.log;
      else if (typeof record.message === 'string') event = JSON.parse(record.message);
      const ref = event.objectRef ?? {};
      if (
        ref.resource !== 'secrets' ||
        ref.apiGroup ||
        ref.subresource ||
        !['get', 'list', 'watch'].includes(event.verb)
      )
        continue;
      const fieldName = /fieldSelector=metadata\.name%3D([^&]+)/.exec(event.requestURI)?.[1];
      const name = ref.name ?? fieldName;
      if (!reaches(name)) continue;
      const user = event.user.username;
      const denied =
        event.responseStatus?.code === 403 || event.annotations?.['authorization.k8s.io/decision'] === 'forbid';
      note(
        `${event.auditID}|${user}|${event.verb}|${ref.namespace}|${name}`,
        user,
        event.impersonatedUser?.username,
        rank(event.stage),
        denied,
      );
    }
  }
  const bySubject = new Map<string, [number, number]>();
  let denied = 0;
  for (const r of requests.values()) {
    const label = r.imp ? `${r.user} as ${r.imp}` : r.user;
    const row = bySubject.get(label) ?? [0, 0];
    row[0]++;
    if (r.denied) {
      row[1]++;
      denied++;
    }
    bySubject.set(label, row);
  }
  return { requests: requests.size, denied, bySubject };
}
