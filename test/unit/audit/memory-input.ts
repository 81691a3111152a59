import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuditInput } from '../../../src/audit/run.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/audit/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

/**
 * An input served from memory in chunks of `chunkBytes`, each chunk a fresh copy that
 * is overwritten once the next is asked for, as a reader reusing its buffers would.
 */
export function memoryInput(path: string, content: string | Buffer, chunkBytes = 1 << 20): AuditInput {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return {
    path,
    compressed: false,
    async *chunks() {
      for (let at = 0; at < bytes.length; at += chunkBytes) {
        const chunk = Buffer.from(bytes.subarray(at, at + chunkBytes));
        yield chunk;
        chunk.fill(0x78);
      }
    },
  };
}

export function fixtureInput(name: string, chunkBytes?: number): AuditInput {
  return memoryInput(name, fixture(name), chunkBytes);
}
