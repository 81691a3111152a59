// client-node's kubeconfig machinery, for users with an exec plugin or an auth-provider only. The build
// compiles it when this module is first imported (scripts/lazy-modules.mjs): other users never parse it.
import { spawn, type SpawnOptions } from 'node:child_process';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';

export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { newClusters, newUsers } from '@kubernetes/client-node/dist/config_types.js';

/**
 * Exec plugins run as kubectl runs them in a script: no standard input (one that would prompt, for an expired SSO
 * login say, reads end of input and fails at once; client-node left it a pipe never written to, which it waited on
 * for ever) and KUBERNETES_EXEC_INFO in their environment.
 */
export function runPluginsAsKubectl(config: KubeConfig, execInfo: string): void {
  const { authenticators } = config as unknown as { authenticators: unknown[] };
  for (const authenticator of authenticators) {
    if (!(authenticator instanceof ExecAuth)) continue;
    (authenticator as unknown as { execFn: typeof spawn }).execFn = ((
      command: string,
      args: readonly string[],
      options: SpawnOptions = {},
    ) =>
      spawn(command, args, {
        ...options,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...(options.env ?? process.env), KUBERNETES_EXEC_INFO: execInfo },
      })) as typeof spawn;
  }
}
