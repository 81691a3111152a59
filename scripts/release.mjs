// Makes the krew release with one command (`npm run release`): an archive per
// platform (linux and darwin on amd64 and arm64, windows/amd64), each holding
// the single binary (the pinned Node inside, built with its own --build-sea
// from the official Node binary of that platform), LICENSE, README.md and
// kubectl's completion helper; then plugin.yaml lists all five with their
// sha256s. macOS binaries are ad-hoc signed (quill); the Windows one is
// left unsigned (the Node project's stale signature removed).
// RELEASE_DIR=dir writes there and leaves the repository's plugin.yaml alone;
// RELEASE_TARGETS=linux-amd64,darwin-arm64 makes a subset.
// The host's archive holds dist/kubectl-secrets itself (what the e2e suite
// runs); RELEASE_PREBUILT=1 takes dist/ as it is instead of building it anew.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSea } from './sea.mjs';
import { nodeBinary } from './node-dist.mjs';
import { NODE_VERSION, REPO, TARGETS, hostTarget } from './node-runtime.mjs';
import { stripAuthenticode } from './pe.mjs';
import { quill } from './tools.mjs';

process.chdir(REPO);
const version = `v${JSON.parse(readFileSync('package.json', 'utf8')).version}`;
const outDir = path.resolve(process.env.RELEASE_DIR ?? 'dist/release');
const wanted = process.env.RELEASE_TARGETS?.split(',').filter(Boolean);
const targets = TARGETS.filter((t) => !wanted || wanted.includes(`${t.os}-${t.arch}`));
const bundle = 'dist/kubectl-secrets-main.cjs';
const binary = 'dist/kubectl-secrets';
const MiB = (bytes) => (bytes / 1024 / 1024).toFixed(1);

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** The files of one archive: [source, name in the archive, mode]. */
function contents(t, exe) {
  const helper = t.os === 'windows' ? 'kubectl_complete-secrets.cmd' : 'kubectl_complete-secrets';
  return [
    [exe, t.exe, 0o755],
    [path.join('scripts', helper), helper, 0o755],
    ['LICENSE', 'LICENSE', 0o644],
    ['README.md', 'README.md', 0o644],
  ];
}

/** Deterministic tar.gz: same inputs, same sha256. */
function archive(stage, names, file) {
  const sorted = [...names].sort();
  execFileSync('bash', [
    '-c',
    `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - "\${@:3}" | gzip -n > "$2"`,
    '-',
    stage,
    file,
    ...sorted,
  ]);
}

function buildTarget(t) {
  const id = `${t.os}-${t.arch}`;
  const stage = path.join(outDir, 'stage', id);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const exe = path.join(stage, t.exe); // its name is the identifier of the macOS signature
  if (id === hostTarget()) copyFileSync(binary, exe);
  else buildSea({ bundle, executable: nodeBinary(t), output: exe, codeCache: false });
  // --ad-hoc even if a QUILL_SIGN_P12 is set; --identity because quill leaves an ad-hoc identifier empty otherwise.
  // Its stderr is in the error, if any.
  if (t.os === 'darwin') execFileSync(quill(), ['sign', '--ad-hoc', '--identity', t.exe, exe], { stdio: 'pipe' });
  if (t.os === 'windows') stripAuthenticode(exe);
  const files = contents(t, exe);
  for (const [from, to, mode] of files) {
    if (from !== path.join(stage, to)) copyFileSync(from, path.join(stage, to));
    chmodSync(path.join(stage, to), mode);
  }
  const binaryBytes = statSync(path.join(stage, t.exe)).size;
  const file = path.join(outDir, `kubectl-secrets-${version}-${id}.tar.gz`);
  archive(
    stage,
    files.map(([, to]) => to),
    file,
  );
  rmSync(stage, { recursive: true, force: true });
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  return { t, id, file, sha256, binaryBytes, archiveBytes: statSync(file).size, files: files.map(([, to]) => to) };
}

function platformYaml(r, baseUrl) {
  const helper = r.files.find((f) => f.startsWith('kubectl_complete-'));
  return [
    '  - selector:',
    '      matchLabels:',
    `        os: ${r.t.os}`,
    `        arch: ${r.t.arch}`,
    `    uri: ${baseUrl}/${version}/${path.basename(r.file)}`,
    `    sha256: ${r.sha256}`,
    '    files:',
    ...[r.t.exe, helper, 'LICENSE'].flatMap((f) => [`    - from: ${f}`, '      to: .']),
    `    bin: ${r.t.exe}`,
  ].join('\n');
}

function manifest(results) {
  const current = readFileSync('plugin.yaml', 'utf8');
  const head = current.slice(0, current.indexOf('\n  platforms:\n') + 1).replace(/^(\s+version: ).*$/m, `$1${version}`);
  const homepage = /^\s+homepage: (.*)$/m.exec(current)?.[1];
  if (!head || !homepage) fail('plugin.yaml has no spec.homepage or spec.platforms');
  return `${head}  platforms:\n${results.map((r) => platformYaml(r, `${homepage}/releases/download`)).join('\n')}\n`;
}

if (targets.length === 0) fail(`RELEASE_TARGETS=${process.env.RELEASE_TARGETS}: no such target`);
mkdirSync(outDir, { recursive: true });
if (process.env.RELEASE_PREBUILT) {
  if (!existsSync(bundle) || !existsSync(binary)) fail('dist/ is not built: run npm run build && npm run package');
} else {
  for (const step of ['build', 'package'])
    execFileSync(process.execPath, [`scripts/${step}.mjs`], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const results = [];
try {
  for (const t of targets) results.push(buildTarget(t));
} catch (err) {
  fail(err.message);
}
rmSync(path.join(outDir, 'stage'), { recursive: true, force: true });
const text = manifest(results);
writeFileSync(path.join(outDir, 'plugin.yaml'), text);
if (!process.env.RELEASE_DIR && !wanted) writeFileSync('plugin.yaml', text);
console.log(`Node ${NODE_VERSION} inside every binary`);
for (const r of results) {
  const where = r.file.startsWith(REPO) ? path.relative(REPO, r.file) : r.file;
  console.log(
    `${r.id.padEnd(14)} binary ${MiB(r.binaryBytes).padStart(6)} MiB  archive ${MiB(r.archiveBytes).padStart(5)} MiB  ${where}  sha256 ${r.sha256}`,
  );
}
