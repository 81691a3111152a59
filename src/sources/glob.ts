import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, parse, relative } from 'node:path';

const MAGIC = /[*?[]/;

export function hasGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** A glob segment (`*`, `?`, `[abc]`, `[!a-z]`) as a regular expression; `*` does not cross `/`. */
function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Paths matching a glob, for patterns the shell did not expand (quoted, or on Windows).
 * Supports `*`, `?`, `[…]` in any segment and `**` for any depth; hidden entries only
 * match a segment that starts with a dot. Sorted; empty when nothing matches.
 */
export async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  const absolute = isAbsolute(pattern);
  const root = absolute ? parse(pattern).root : cwd;
  const segments = (absolute ? pattern.slice(root.length) : pattern)
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.');
  let bases = [root];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (segment === '**') {
        next.push(...(await allDirectories(base)));
      } else if (!hasGlob(segment)) {
        next.push(join(base, segment));
      } else {
        const re = segmentRegExp(segment);
        for (const entry of await listDir(base)) {
          if (entry.name.startsWith('.') && !segment.startsWith('.')) continue;
          if (re.test(entry.name) && (last || entry.isDirectory())) next.push(join(base, entry.name));
        }
      }
    }
    bases = [...new Set(next)];
  }
  const found: string[] = [];
  for (const path of bases) {
    if (await exists(path)) found.push(absolute ? path : relative(cwd, path));
  }
  return found.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function listDir(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function allDirectories(dir: string): Promise<string[]> {
  const out = [dir];
  for (const entry of await listDir(dir)) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) out.push(...(await allDirectories(join(dir, entry.name))));
  }
  return out;
}
