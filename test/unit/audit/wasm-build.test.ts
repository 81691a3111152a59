// The WebAssembly walk is committed compiled (src/audit/wasm/record-fields-wasm.ts) so that tests,
// bundles and the single binary need no compiler: it must be what its source compiles to.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { recordFieldsModule } from '../../../scripts/build-wasm.mjs';

it('src/audit/wasm/record-fields-wasm.ts is what record-fields.as.ts compiles to (node scripts/build-wasm.mjs)', async () => {
  const committed = readFileSync(new URL('../../../src/audit/wasm/record-fields-wasm.ts', import.meta.url), 'utf8');
  expect(committed).toBe(await recordFieldsModule());
}, 60_000);
