// esbuild settings every bundle of src/main.ts needs to behave like the
// shipped one (scripts/build.mjs, the e2e rotate harness, the benches).
import { readFileSync } from 'node:fs';
import { lazyModules } from './lazy-modules.mjs';

// Every yargs() guesses a default version from the nearest package.json above the entry point
// (escalade/sync: a readdir of each directory up to one holding it, or up to / from where the single binary
// lies). The app sets its own version, so the search finds nothing, at once.
const noPackageLookup = {
  name: 'no-package-lookup',
  setup(b) {
    b.onResolve({ filter: /^escalade\/sync$/ }, (args) => ({ path: args.path, namespace: 'no-package-lookup' }));
    b.onLoad({ filter: /.*/, namespace: 'no-package-lookup' }, () => ({
      contents: 'module.exports = () => undefined;',
      loader: 'js',
    }));
  },
};

// The TLS stack (~18 ms of CPU to load: OpenSSL, and the extra CA certificates of NODE_EXTRA_CA_CERTS, read
// at once) only for commands that talk to a cluster: in our sources (a src/ directory, this checkout's or an old one
// the benches build; never in node_modules, whose dependencies get the builtin itself), these builtins load at their
// first use. So do
// those only some commands use (HTTP/1.1, hashes, gzip, worker threads, prompts: 1-3 ms each at every start).
// The module has a default export only: a file that imports names from one of them (older sources, built by the
// benches' --before) gets the builtin itself, loaded at start as before.
const LAZY_BUILTINS = /^node:(tls|https|http2|http|crypto|zlib|worker_threads|readline)$/;
const importsNames = (file, builtin) =>
  new RegExp(`import\\s*\\{[^}]*\\}\\s*from\\s*['"]${builtin}['"]`).test(readFileSync(file, 'utf8'));
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: LAZY_BUILTINS }, (args) =>
      args.namespace === 'lazy-builtins' ||
      !/[\\/]src[\\/]/.test(args.importer) ||
      /[\\/]node_modules[\\/]/.test(args.importer) ||
      importsNames(args.importer, args.path)
        ? undefined
        : { path: args.path, namespace: 'lazy-builtins' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtins' }, (args) => ({
      contents: `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(args.path)}));
export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });
`,
      loader: 'js',
    }));
  },
};

export const bundleOptions = {
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  // client-node 1.x (node-fetch → whatwg-url → tr46) loads the deprecated punycode builtin, which Node >= 22 warns
  // about on stderr (DEP0040) when the caller is outside node_modules, as a bundle is: use the userland package.
  alias: { punycode: 'punycode/' },
  // client-node (exec plugins, auth-providers) and the SOCKS client are compiled only when imported
  plugins: [lazyModules, noPackageLookup, lazyBuiltins],
};
