// Whether a process of this machine still runs: the holder of a rotation's lock.
import { readFileSync } from 'node:fs';

/**
 * True while `pid` runs (or runs as another user: EPERM). A process killed
 * (kill -9, the OOM killer) that its parent has not reaped yet is a zombie:
 * kill(pid, 0) still succeeds, but it will never renew its lock, so on Linux
 * its state in /proc says it is gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** /proc/PID/stat: "PID (COMM) STATE ...", COMM may hold spaces and parentheses: the state follows the last ")". */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false; // no /proc (macOS, Windows), or it ended just now: kill said it ran
  }
}
