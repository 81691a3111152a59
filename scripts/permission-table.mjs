#!/usr/bin/env node
// Re-renders the README's permission table from src/kube/permissions.ts
// (between <!-- permissions:begin --> and <!-- permissions:end -->).
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = await build({
  entryPoints: ['src/kube/permissions.ts'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
});
const { permissionTable } = await import(`data:text/javascript,${encodeURIComponent(out.outputFiles[0].text)}`);
const readme = readFileSync('README.md', 'utf8');
const next = readme.replace(
  /<!-- permissions:begin -->[\s\S]*?<!-- permissions:end -->/,
  () => `<!-- permissions:begin -->\n${permissionTable()}\n<!-- permissions:end -->`,
);
if (next === readme && !readme.includes('<!-- permissions:begin -->'))
  throw new Error('README.md has no permissions markers');
writeFileSync('README.md', next);
