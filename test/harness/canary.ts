// Canary values: plant them in Secrets, then prove no output, log or file the
// tool writes contains them, in clear or in the base64 form the API uses.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { recordCanary } from './run-record.js';

/** A fresh, unmistakable value to store in a Secret under test. */
export function makeCanary(label = 'canary'): string {
  const value = `${label}-CANARY-${randomBytes(9).toString('hex')}`;
  recordCanary(value); // checked once more at the end of the run, against everything (run-record.ts)
  return value;
}

/** The forms a value could leak in: itself, and its base64 at each of the three byte alignments. */
export function leakPatterns(value: string): string[] {
  const patterns = new Set([value]);
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad, 0x20), Buffer.from(value)]).toString('base64');
    // Drop the characters that depend on neighbouring bytes at both ends.
    const start = Math.ceil((pad * 4) / 3) + 1;
    const end = Math.floor(((pad + Buffer.byteLength(value)) * 4) / 3) - 1;
    if (end - start >= 12) patterns.add(encoded.slice(start, end));
  }
  return [...patterns];
}

export interface LeakSource {
  name: string;
  text: string;
}

/** Every place a value was found, empty when nothing leaked. */
export function findLeaks(canaries: readonly string[], sources: readonly LeakSource[]): string[] {
  const found: string[] = [];
  for (const canary of canaries) {
    for (const pattern of leakPatterns(canary)) {
      for (const source of sources) {
        if (source.text.includes(pattern))
          found.push(`${source.name} contains ${pattern === canary ? 'the value' : 'the base64 of the value'}`);
      }
    }
  }
  return found;
}

/** Text sources for every file under `dir` (files the tool may have written). */
export function filesUnder(dir: string): LeakSource[] {
  const out: LeakSource[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push({ name: p, text: readFileSync(p).toString('latin1') });
    }
  };
  walk(dir);
  return out;
}

/** Throws when any canary shows up in the given output (stdout, stderr, files...). */
export function assertNoLeak(
  canaries: readonly string[],
  sources: readonly LeakSource[] | { stdout: string; stderr: string },
): void {
  const list = Array.isArray(sources)
    ? sources
    : [
        { name: 'stdout', text: (sources as { stdout: string }).stdout },
        { name: 'stderr', text: (sources as { stderr: string }).stderr },
      ];
  const leaks = findLeaks(canaries, list);
  if (leaks.length > 0) throw new Error(`secret value leaked: ${leaks.join('; ')}`);
}
