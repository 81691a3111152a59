// The API server's refusal of a Secret write can quote the value: an invalid
// .dockerconfigjson is answered with Go's "invalid character 'X' looking for
// beginning of value", and an admission webhook may say anything. rotate
// must name the key and the reason, never those words.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/runCli.js';
import { createSecret, namespaces, useCluster } from './rotate-harness.js';

const config = '{"auths":{"registry.example":{"auth":"cm9ib3Q6b2xk"}}}';
// Not JSON: the API server's message would quote its first character.
const invalid = 'Qpv7-not-json';
const dir = mkdtempSync(join(tmpdir(), 'rotate-api-errors-'));
const file = join(dir, 'config.json');
writeFileSync(file, invalid);

describe('rotate: an API refusal of the new value never quotes it', () => {
  let ns: string;
  const spaces = namespaces();
  beforeAll(async () => {
    ns = await spaces.fresh('rot-apierr');
    await createSecret(ns, 'registry', { '.dockerconfigjson': config }, { type: 'kubernetes.io/dockerconfigjson' });
  });
  afterAll(() => spaces.cleanup());

  it.each([[[]], [['--in-place']]])('rotate %j names the key and the reason only', async (extra: string[]) => {
    const r = await runCli(
      ['rotate', 'registry', '-n', ns, '--from-file', `.dockerconfigjson=${file}`, '--yes', '-v=9', ...extra],
      { kubeconfig: useCluster().kubeconfig },
    );
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/refused \(Invalid: data\[\.dockerconfigjson\] FieldValueInvalid\)/);
    expect(out).not.toContain("'Q'");
    expect(out).not.toContain('invalid character');
    expect(out).not.toContain(invalid);
  });
});
