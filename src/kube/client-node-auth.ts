// client-node's kubeconfig machinery, for users with an exec plugin or an auth-provider only. The build
// compiles it when this module is first imported (scripts/lazy-modules.mjs): other users never parse it.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { newClusters, newUsers } from '@kubernetes/client-node/dist/config_types.js';
