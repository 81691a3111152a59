import { describe, expect, it } from 'vitest';
import { mayReadSecret, NEEDLE } from '../../../src/audit/prefilter.js';

function may(text: string): boolean {
  const buf = Buffer.from(text);
  const hit = buf.indexOf(NEEDLE);
  return hit !== -1 && mayReadSecret(buf, 0, buf.length, hit);
}

describe('mayReadSecret: a byte-level superset of Secret reads', () => {
  it('lets through reads in every format: plain, spaced, escaped once or twice, GKE method names', () => {
    expect(may('{"verb":"get","objectRef":{"resource":"secrets","name":"x"}}')).toBe(true);
    expect(may('{"verb": "watch", "objectRef": {"resource": "secrets"}}')).toBe(true);
    expect(may('{\n  "verb" : "list",\n  "objectRef" : {\n    "resource" :\n "secrets"\n  }\n}')).toBe(true);
    expect(may('{"message":"{\\"verb\\":\\"list\\",\\"objectRef\\":{\\"resource\\":\\"secrets\\"}}"}')).toBe(true);
    expect(may('{"log":"{\\\\\\"verb\\\\\\":\\\\\\"get\\\\\\",\\\\\\"resource\\\\\\":\\\\\\"secrets\\\\\\"}"}')).toBe(
      true,
    );
    expect(
      may(
        '{"protoPayload":{"methodName":"io.k8s.core.v1.secrets.watch","resourceName":"core/v1/namespaces/a/secrets/b"}}',
      ),
    ).toBe(true);
  });

  it('stops lines that only mention the word', () => {
    expect(may('{"verb":"create","objectRef":{"resource":"secrets"}}')).toBe(false);
    expect(may('{"verb":"get","objectRef":{"resource":"configmaps","name":"app-secrets"}}')).toBe(false);
    expect(may('{"verb":"get","requestURI":"/api/v1/namespaces/a/secrets/b","objectRef":{"resource":"pods"}}')).toBe(
      false,
    );
    expect(may('{"verb":"list","userAgent":"external-secrets/v0.9","objectRef":{"resource":"externalsecrets"}}')).toBe(
      false,
    );
    expect(may('{"protoPayload":{"methodName":"io.k8s.core.v1.secrets.create"}}')).toBe(false);
    expect(may('{"verbs":["get"],"resource":"secrets"}')).toBe(false);
  });

  it('looks only inside the given range', () => {
    const buf = Buffer.from('{"verb":"get","objectRef":{"resource":"secrets"}}\n{"verb":"create"}');
    const second = buf.indexOf('\n') + 1;
    expect(mayReadSecret(buf, second, buf.length, buf.indexOf(NEEDLE, second))).toBe(false);
  });
});
