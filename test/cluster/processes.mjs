// Starting, watching and stopping the control-plane processes.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A failed step of `up`: one line, plus the tail of the log that explains it. */
export class ClusterError extends Error {
  /** @param {string} step @param {string} reason @param {string} [log] path */
  constructor(step, reason, log) {
    super(`cluster up: ${step} failed: ${reason}${log ? ` (log: ${log})` : ''}`);
    this.step = step;
    this.log = log;
    this.tail = log ? logTail(log) : '';
  }

  /** `error: ...` line followed by the indented log tail. */
  format() {
    return `error: ${this.message}${this.tail ? `\n${this.tail.replace(/^/gm, '  | ')}` : ''}`;
  }
}

export function logTail(path, lines = 15) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts a component detached (it outlives the `up` CLI), output to `log`.
 * The returned `exited` promise resolves if it dies, so waits can fail fast.
 */
export function startComponent(name, command, args, { log, env = process.env, cwd }) {
  const fd = openSync(log, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
  closeSync(fd);
  child.unref();
  /** @type {Promise<string>} */
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(`${name} exited (${signal ?? `code ${code}`})`));
    child.on('error', (e) => resolve(`${name} could not start: ${e.message}`));
  });
  return { name, pid: child.pid ?? -1, log, exited, child };
}

/** Alive, not a zombie, and its command line mentions `marker` (our state dir). */
export function isOurs(pid, marker) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; only if the pid is still ours. */
export async function stopProcess(pid, marker, graceMs = 10000) {
  if (!isOurs(pid, marker)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, marker)) return;
    await sleep(50);
  }
  if (isOurs(pid, marker)) process.kill(pid, 'SIGKILL');
}

/**
 * Polls `check` until it returns a truthy value. Fails with a ClusterError on
 * timeout or as soon as one of the `watch`ed components exits.
 * @template T
 * @param {string} step
 * @param {() => Promise<T>} check
 * @param {{timeoutMs: number, log?: string, watch?: ReturnType<typeof startComponent>[], intervalMs?: number}} options
 * @returns {Promise<T>}
 */
export async function waitUntil(step, check, { timeoutMs, log, watch = [], intervalMs = 200 }) {
  let died;
  watch.forEach((c) => c.exited.then((why) => (died ??= { why, log: c.log })));
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    if (died) throw new ClusterError(step, died.why, died.log);
    try {
      const result = await check();
      if (result) return result;
      lastError = '';
    } catch (e) {
      lastError = `; last error: ${e.message}`;
    }
    if (Date.now() > deadline) throw new ClusterError(step, `timed out after ${timeoutMs / 1000}s${lastError}`, log);
    await sleep(intervalMs);
  }
}
