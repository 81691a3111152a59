declare const __KUBECTL_SECRETS_VERSION__: string | undefined;
declare const __KUBECTL_SECRETS_COMMIT__: string | undefined;
declare const __KUBECTL_SECRETS_TREE_STATE__: string | undefined;

/** Injected by the bundler; "dev" when run from source (tests). */
export const VERSION: string = typeof __KUBECTL_SECRETS_VERSION__ === 'string' ? __KUBECTL_SECRETS_VERSION__ : 'dev';

/** The git commit the bundle was built from (injected by scripts/build.mjs); "unknown" from source. */
export const GIT_COMMIT: string =
  typeof __KUBECTL_SECRETS_COMMIT__ === 'string' ? __KUBECTL_SECRETS_COMMIT__ : 'unknown';

/** "clean", "dirty" (uncommitted changes to tracked files at build time) or "unknown". */
export const GIT_TREE_STATE: string =
  typeof __KUBECTL_SECRETS_TREE_STATE__ === 'string' ? __KUBECTL_SECRETS_TREE_STATE__ : 'unknown';
