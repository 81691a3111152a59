// Runs kubectl-secrets in-process (fast, same code as the binary) or as the
// built bundle/binary (what users run), capturing exit code, stdout and stderr.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/app.js';
import { COMMANDS } from '../../src/cli/commands.js';
import type { IO, Writer } from '../../src/cli/io.js';
import { recordOutput, toolCacheDir } from './run-record.js';

/** The bundle, the binary, or kubectl running it as a plugin (not kubectl's own output of test fixtures). */
const isTheTool = (cmd: string, args: readonly string[]): boolean =>
  /kubectl-secrets(\.cjs)?$/.test(cmd) ||
  /kubectl-secrets(\.cjs)?$/.test(args[0] ?? '') ||
  (/kubectl$/.test(cmd) && args[0] === 'secrets');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to a minimal environment (PATH, HOME); KUBECONFIG is set from `kubeconfig`. */
  env?: Record<string, string | undefined>;
  kubeconfig?: string;
  stdin?: string | Buffer;
  /** Pretend stdout/stderr/stdin are terminals. */
  tty?: boolean;
}

export const REPO = resolve(import.meta.dirname, '../..');
export const BUNDLE = resolve(REPO, 'dist/kubectl-secrets.cjs');
export const BINARY = resolve(REPO, 'dist/kubectl-secrets');

/** Builds dist/kubectl-secrets.cjs when it is missing or older than a source file. */
export function ensureBundle(): void {
  const newest = (dir: string): number =>
    readdirSync(dir).reduce((m, f) => {
      const p = join(dir, f);
      const s = statSync(p);
      return Math.max(m, s.isDirectory() ? newest(p) : s.mtimeMs);
    }, 0);
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newest(join(REPO, 'src'))) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'pipe' });
}

/** Builds the bundle, then the single executable when it is missing or older than the bundle. */
export function ensureBinary(): void {
  ensureBundle();
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < statSync(BUNDLE).mtimeMs)
    execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: REPO, stdio: 'pipe' });
}

function environment(opts: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env };
  if (opts.kubeconfig) env.KUBECONFIG = opts.kubeconfig;
  const cache = env.KUBECTL_SECRETS_CACHE ?? toolCacheDir();
  if (cache !== undefined) env.KUBECTL_SECRETS_CACHE = cache;
  return env;
}

class Capture implements Writer {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string | Buffer): boolean {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    return true;
  }
}

/** Runs the CLI in this process with injected streams. */
export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const stdout = new Capture(opts.tty === true);
  const stderr = new Capture(opts.tty === true);
  const stdin = Object.assign(Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin as string)]), {
    isTTY: opts.tty === true,
  });
  const io: IO = { stdout, stderr, stdin, env: environment(opts) };
  const code = await main(args, io, COMMANDS);
  recordOutput({ stdout: stdout.text, stderr: stderr.text });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs the built bundle (or the single binary when `binary` is set) as a child process. */
export function runBuilt(
  args: readonly string[],
  opts: CliOptions & { binary?: boolean; cwd?: string; uid?: number; gid?: number } = {},
): Promise<CliResult> {
  const file = opts.binary ? BINARY : BUNDLE;
  if (!existsSync(file))
    throw new Error(`error: ${file} is missing: run npm run build${opts.binary ? ' && npm run package' : ''}`);
  const [cmd, argv] = opts.binary ? [file, [...args]] : [process.execPath, [file, ...args]];
  return runProcess(cmd, argv, {
    env: environment(opts),
    stdin: opts.stdin,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
  });
}

export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    stdin?: string | Buffer | undefined;
    cwd?: string | undefined;
    uid?: number | undefined;
    gid?: number | undefined;
  } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const ids = {
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    };
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...ids,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (isTheTool(cmd, args)) recordOutput({ stdout, stderr });
      resolvePromise({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
