// Tests and benches run on the Node.js the single binary embeds: package.json
// pins it (devDependencies.node) and npm puts it first on PATH for npm scripts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../harness/runCli.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const pinned = `v${pkg.devDependencies.node}`;

describe('runtime', () => {
  it('pins one exact Node.js 26 LTS version', () => {
    expect(pkg.devDependencies.node).toMatch(/^26\.\d+\.\d+$/);
  });

  it('runs the tests on the pinned Node.js', () => {
    expect(process.version).toBe(pinned);
  });

  it('runs children spawned with process.execPath on it too', () => {
    expect(execFileSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' }).trim()).toBe(pinned);
  });

  it('puts the pinned Node.js first on PATH for `node` inside scripts', () => {
    expect(execFileSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).trim()).toBe(pinned);
  });
});
