// esbuild settings every bundle of src/main.ts needs to behave like the
// shipped one (scripts/build.mjs, the e2e rotate harness, the benches).
import { lazyModules } from './lazy-modules.mjs';

export const bundleOptions = {
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  // client-node 1.x (node-fetch → whatwg-url → tr46) loads the deprecated punycode builtin, which Node >= 22 warns
  // about on stderr (DEP0040) when the caller is outside node_modules, as a bundle is: use the userland package.
  alias: { punycode: 'punycode/' },
  // client-node (exec plugins, auth-providers) and the SOCKS client are compiled only when imported
  plugins: [lazyModules],
};
