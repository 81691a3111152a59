// An esbuild plugin: modules that only some users need (client-node's kubeconfig
// machinery, for exec plugins and auth-providers; the SOCKS client) go into the
// bundle as text, compiled when first imported. Bundled as code, V8 would parse
// their ~800 KB at every start of the CLI (~20–30 ms of CPU for `node bundle.cjs`),
// whoever runs it. Only dynamic imports of the names below are made lazy.
import { build } from 'esbuild';

const LAZY = /(^|\/)client-node-auth\.js$|^socks$/;
const NAME = 'lazy-modules';

export const lazyModules = {
  name: NAME,
  setup(b) {
    b.onResolve({ filter: LAZY }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.namespace === NAME) return undefined;
      const resolved = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, namespace: NAME };
    });
    b.onLoad({ filter: /.*/, namespace: NAME }, async (args) => {
      const {
        entryPoints: _entry,
        outfile: _out,
        outdir: _dir,
        banner: _banner,
        metafile: _meta,
        ...outer
      } = b.initialOptions;
      const nested = await build({
        ...outer,
        entryPoints: [args.path],
        bundle: true,
        format: 'cjs',
        write: false,
        plugins: (outer.plugins ?? []).filter((p) => p.name !== NAME),
      });
      const code = nested.outputFiles[0].text;
      // `new Function` compiles the text only when called, i.e. when the import runs; `require` is the bundle's own
      // (built-in modules only: everything else is in the text).
      return {
        contents: `const m = { exports: {} };
new Function('exports', 'require', 'module', ${JSON.stringify(code)})(m.exports, require, m);
module.exports = m.exports;
`,
        loader: 'js',
        resolveDir: process.cwd(),
      };
    });
  },
};
