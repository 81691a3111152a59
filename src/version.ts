declare const __KUBECTL_SECRETS_VERSION__: string | undefined;

/** Injected by the bundler; "dev" when run from source (tests). */
export const VERSION: string = typeof __KUBECTL_SECRETS_VERSION__ === 'string' ? __KUBECTL_SECRETS_VERSION__ : 'dev';
