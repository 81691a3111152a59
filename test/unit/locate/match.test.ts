import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { matchSecret, matchSecretObject } from '../../../src/locate/match.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const leak = 'S3cr3t-Passw0rd-42';
const data = {
  password: b64(leak),
  dsn: b64(`postgres://app:${leak}@db.internal:5432/shop?sslmode=require`),
  '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example.com': { auth: b64(`robot:${leak}`) } } })),
  encoded: b64(b64(leak)),
  other: b64('nothing-to-see-here'),
};

describe('matchSecret', () => {
  it('finds the value exactly, inside a DSN, inside a dockerconfigjson auth, and as base64', () => {
    expect(matchSecret(Buffer.from(leak), data)).toEqual([
      { key: 'password', how: 'exact' },
      { key: 'dsn', how: 'contained' },
      { key: '.dockerconfigjson', how: 'contained', detail: 'in a dockerconfigjson auth (base64 of user:password)' },
      { key: 'encoded', how: 'base64', detail: 'the value is the base64 of the leak' },
    ]);
  });

  it('recognises a leak of the base64 text kubectl get -o yaml shows', () => {
    expect(matchSecret(Buffer.from(b64(leak)), { password: b64(leak) })).toEqual([
      { key: 'password', how: 'base64', detail: 'the leak is the base64 text of the value' },
    ]);
  });

  it('matches nothing else, and short values only exactly', () => {
    expect(matchSecret(Buffer.from('not-the-value-at-all'), data)).toEqual([]);
    expect(matchSecret(Buffer.from('app'), { user: b64('app'), dsn: b64('postgres://app:x@h') })).toEqual([
      { key: 'user', how: 'exact' },
    ]);
    expect(matchSecret(Buffer.from(leak), null)).toEqual([]);
  });

  it('finds a leak pasted with spaces around it or with CRLF line ends', () => {
    const key =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    const detail = 'the leak read as pasted text: no byte-order mark or whitespace around it, CRLF line ends as LF';
    expect(matchSecret(Buffer.from(`  ${leak} \t\n`), data)).toEqual([
      { key: 'password', how: 'exact', detail },
      { key: 'dsn', how: 'contained', detail },
      {
        key: '.dockerconfigjson',
        how: 'contained',
        detail: `in a dockerconfigjson auth (base64 of user:password); ${detail}`,
      },
      { key: 'encoded', how: 'base64', detail: `the value is the base64 of the leak; ${detail}` },
    ]);
    expect(matchSecret(Buffer.from(key.replace(/\n/g, '\r\n')), { 'tls.key': b64(key) })).toEqual([
      { key: 'tls.key', how: 'contained', detail },
    ]);
  });

  it('finds a leak saved by a Windows editor: a UTF-8 byte-order mark first', () => {
    const saved = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${leak}\r\n`)]);
    expect(matchSecret(saved, { password: b64(leak) })).toEqual([
      {
        key: 'password',
        how: 'exact',
        detail: 'the leak read as pasted text: no byte-order mark or whitespace around it, CRLF line ends as LF',
      },
    ]);
  });

  it('finds a leak saved as UTF-16 (Windows PowerShell 5 writes "echo $token > leak.txt" so)', () => {
    const saved = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${leak}\r\n`, 'utf16le')]);
    expect(matchSecret(saved, { password: b64(leak) })).toEqual([
      {
        key: 'password',
        how: 'exact',
        detail:
          'the leak read as pasted text: UTF-16 as UTF-8, no byte-order mark or whitespace around it, CRLF line ends as LF',
      },
    ]);
  });

  it('does not trim a leak that matches as given', () => {
    expect(matchSecret(Buffer.from(` ${leak} `), { padded: b64(` ${leak} `) })).toEqual([
      { key: 'padded', how: 'exact' },
    ]);
  });

  it('reads base64 wrapped in lines (base64 wraps at 76 columns, openssl at 64) as one line, either way round', () => {
    const key = `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(6)}\n-----END PRIVATE KEY-----\n`;
    const wrapped = (text: string, width: number) => `${text.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n')}\n`;
    expect(matchSecret(Buffer.from(wrapped(b64(key), 76)), { 'tls.key': b64(key) })).toEqual([
      { key: 'tls.key', how: 'base64', detail: 'the leak is the base64 text of the value' },
    ]);
    expect(matchSecret(Buffer.from(key), { 'key.b64': b64(wrapped(b64(key), 64)) })).toEqual([
      { key: 'key.b64', how: 'base64', detail: 'the value is the base64 of the leak' },
    ]);
  });

  it('finds the value in a Helm release record (base64 of gzip of JSON): the values given and the manifest rendered', () => {
    const record = (release: unknown) => b64(gzipSync(JSON.stringify(release)).toString('base64'));
    const values = record({ name: 'shop', config: { db: { password: leak } }, manifest: 'kind: ConfigMap' });
    const manifest = record({ name: 'shop', config: {}, manifest: `kind: Secret\ndata:\n  password: ${b64(leak)}\n` });
    const escaped = record({ name: 'shop', config: { dsn: `"${leak}"\\` }, manifest: '' });
    const detail = 'in a Helm release record (its values or rendered manifest)';
    expect(matchSecret(Buffer.from(leak), { release: values })).toEqual([{ key: 'release', how: 'contained', detail }]);
    expect(matchSecret(Buffer.from(leak), { release: manifest })).toEqual([
      { key: 'release', how: 'contained', detail },
    ]);
    expect(matchSecret(Buffer.from(`"${leak}"\\`), { release: escaped })).toEqual([
      { key: 'release', how: 'contained', detail },
    ]);
    // Go's encoding/json (Helm's) writes <, > and & as \u escapes
    const goEscaped = b64(gzipSync('{"config":{"p":"pa\\u003css\\u003e\\u0026word-1"}}').toString('base64'));
    expect(matchSecret(Buffer.from('pa<ss>&word-1'), { release: goEscaped })).toEqual([
      { key: 'release', how: 'contained', detail },
    ]);
    expect(matchSecret(Buffer.from('not-the-value-at-all'), { release: values })).toEqual([]);
  });
});

describe('matchSecretObject', () => {
  const applied = (doc: unknown) => ({ 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(doc) });
  const detail = 'a copy in annotation kubectl.kubernetes.io/last-applied-configuration';

  it('finds a value kubectl apply left in the annotation after the data was changed by other means', () => {
    const annotations = applied({
      apiVersion: 'v1',
      kind: 'Secret',
      stringData: { password: leak },
      data: { dsn: b64(`x:${leak}@h`) },
    });
    expect(
      matchSecretObject(Buffer.from(leak), {
        data: { password: b64('rotated-since'), dsn: b64('other') },
        annotations,
      }),
    ).toEqual([
      { key: 'dsn', how: 'contained', detail },
      { key: 'password', how: 'exact', detail },
    ]);
  });

  it('a key the data holds too is listed once, as the data has it', () => {
    const annotations = applied({ data: { password: b64(leak) } });
    expect(matchSecretObject(Buffer.from(leak), { data: { password: b64(leak) }, annotations })).toEqual([
      { key: 'password', how: 'exact' },
    ]);
  });

  it('an annotation that is not JSON, or holds no data, matches nothing', () => {
    const broken = { 'kubectl.kubernetes.io/last-applied-configuration': `{"data": ${leak}` };
    expect(matchSecretObject(Buffer.from(leak), { data: {}, annotations: broken })).toEqual([]);
    expect(matchSecretObject(Buffer.from(leak), { data: {}, annotations: applied({ kind: 'Secret' }) })).toEqual([]);
  });
});
