// Types for the tests that read generated logs (test/unit/sources/audit-scan-thread.test.ts).
export const GENERATOR_VERSION: number;
export function parseSize(text: string): number;
export function benchDir(): string;
export function generateLines(random: () => number, secretShare?: number): Generator<string>;
export function generateLog(path: string, bytes: number, options?: { seed?: number; secretShare?: number }): number;
export function ensureLog(bytes: number, options?: { dir?: string; secretShare?: number }): string;
