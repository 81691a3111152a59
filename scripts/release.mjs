// Makes the krew release archive from the single binary and fills version,
// uri and sha256 into plugin.yaml (and a copy beside the archive).
// Run `npm run build && npm run package` first.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const version = `v${JSON.parse(readFileSync('package.json', 'utf8')).version}`;
const platform = 'linux-amd64';
const outDir = process.env.RELEASE_DIR ?? 'dist/release';
const stage = path.join(outDir, 'stage');
const archive = path.join(outDir, `kubectl-secrets-${version}-${platform}.tar.gz`);

if (!existsSync('dist/kubectl-secrets')) {
  console.error('error: dist/kubectl-secrets is missing: run npm run build && npm run package first');
  process.exit(1);
}
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const [from, to] of [
  ['dist/kubectl-secrets', 'kubectl-secrets'],
  ['scripts/kubectl_complete-secrets', 'kubectl_complete-secrets'],
  ['LICENSE', 'LICENSE'],
  ['README.md', 'README.md'],
]) {
  copyFileSync(from, path.join(stage, to));
}
// Deterministic archive: same inputs, same sha256.
const files = ['LICENSE', 'README.md', 'kubectl-secrets', 'kubectl_complete-secrets'];
execFileSync('bash', ['-c', `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "${stage}" -cf - ${files.join(' ')} | gzip -n > "${archive}"`]);
rmSync(stage, { recursive: true });
const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');

const manifest = readFileSync('plugin.yaml', 'utf8')
  .replace(/^(\s+version: ).*$/m, `$1${version}`)
  .replace(/(releases\/download\/)v[^/]+\/kubectl-secrets-v[^-]+-/, `$1${version}/kubectl-secrets-${version}-`)
  .replace(/^(\s+sha256: ).*$/m, `$1${sha256}`);
writeFileSync(path.join(outDir, 'plugin.yaml'), manifest);
if (!process.env.RELEASE_DIR) writeFileSync('plugin.yaml', manifest);
console.log(`${archive}\nsha256 ${sha256}`);
