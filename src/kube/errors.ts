import { CliError, errorMessage } from '../errors.js';
import type { ClusterTarget } from './kubeconfig.js';

/** A Status the API server answered with (4xx/5xx). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
    /** The fields the Status's details name, with why (`data[.dockerconfigjson] FieldValueInvalid`). */
    readonly causes: readonly string[] = [],
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/**
 * The refusal of a write that carried a Secret's data, without the API server's words: they can quote the
 * value (an invalid .dockerconfigjson is "invalid character 'X' looking for beginning of value", and an
 * admission webhook may say anything). The fields named and the reasons are kept.
 */
export function withoutValues(err: KubeApiError, secret: string): KubeApiError {
  const fields = err.causes.length ? `: ${err.causes.join(', ')}` : '';
  const message = `Secret "${secret}" was refused (${err.reason}${fields}); the API server's message is not shown, as it may quote the value`;
  return new KubeApiError(err.status, err.reason, message, err.method, err.path, err.causes);
}

/** The API server could not be reached or did not answer in time. */
export class KubeConnectionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly server: string,
  ) {
    super(message);
    this.name = 'KubeConnectionError';
  }
}

export const isForbidden = (err: unknown): err is KubeApiError => err instanceof KubeApiError && err.status === 403;
export const isNotFound = (err: unknown): err is KubeApiError => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown): err is KubeApiError => err instanceof KubeApiError && err.status === 409;

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * An exec credential plugin (aws eks get-token, gke-gcloud-auth-plugin, kubelogin) or auth-provider that
 * could not give credentials: one line naming the user and the plugin, with what the plugin said.
 */
export function credentialsError(err: unknown, target: ClusterTarget, user: Record<string, unknown>): CliError {
  const exec = user.exec as { command?: unknown; installHint?: unknown } | undefined;
  const provider = user['auth-provider'] as { name?: unknown } | undefined;
  const what =
    typeof exec?.command === 'string'
      ? `its exec plugin "${exec.command}"`
      : `its auth-provider "${String(provider?.name ?? 'unknown')}"`;
  // What did not parse as an ExecCredential may be a raw token: JSON.parse's message quotes its start.
  const notJson = err instanceof SyntaxError;
  const said = notJson
    ? 'it did not print an ExecCredential (JSON) on its standard output'
    : errorMessage(err)
        .trim()
        .replace(/\s*\n\s*/g, ' ');
  // the kubeconfig's own words on installing it (gcloud writes one for gke-gcloud-auth-plugin), as kubectl shows them
  const hint = typeof exec?.installHint === 'string' ? exec.installHint.trim().replace(/\s*\n\s*/g, ' ') : '';
  const why =
    (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? `${what} was not found: ${hint || 'install it, or fix the command in the kubeconfig'}`
      : `${what} failed${said ? `: ${said.length > 300 ? `${said.slice(0, 300)}…` : said}` : ''}`;
  return new CliError(
    `cannot get the credentials of user "${target.userName}" (context "${target.contextName}"): ${why}`,
    notJson ? {} : { cause: err },
  );
}

// Node 23+ ends certificate errors with advice for whoever runs node, which a plugin's user cannot take.
const withoutNodeHint = (message: string): string => message.replace(/; if the root CA is installed locally, .*$/, '');

/** Turns a network or API failure into the one line the user sees. */
export function toCliError(err: unknown, target: ClusterTarget): CliError | undefined {
  // (--server with no kubeconfig: no context, and the user is --token or the client certificate given)
  const where = target.contextName ? `${target.server} (context "${target.contextName}")` : target.server;
  const whose = target.userName ? `user "${target.userName}"` : 'the --token or client certificate given';
  if (err instanceof KubeConnectionError) {
    if (err.code === 'ETIMEDOUT') {
      return new CliError(`${err.message} talking to ${where}; check the network or raise --request-timeout`, {
        cause: err,
      });
    }
    if (TLS_CODES.has(err.code)) {
      return new CliError(
        `TLS error talking to ${where}: ${withoutNodeHint(err.message)}; check the cluster's certificate-authority in the kubeconfig`,
        { cause: err },
      );
    }
    if (err.code === 'EPROXY') {
      return new CliError(`cannot reach the API server at ${where} through ${withoutNodeHint(err.message)}`, {
        cause: err,
      });
    }
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
      return new CliError(`cannot resolve the API server host of ${where}; check the kubeconfig's server address`, {
        cause: err,
      });
    }
    return new CliError(
      `cannot reach the API server at ${where}: ${err.message}; is the cluster running and the kubeconfig current?`,
      { cause: err },
    );
  }
  if (err instanceof KubeApiError) {
    const detail = `${err.method} ${err.path}`;
    switch (err.status) {
      case 401:
        return new CliError(
          `unauthorized: the API server at ${where} rejected the credentials of ${whose}; log in again or refresh the token`,
          { detail, cause: err },
        );
      case 403:
        return new CliError(
          `forbidden: ${err.message} (${where}); ask for that permission or run as someone who has it (--as)`,
          { detail, cause: err },
        );
      case 404:
        return new CliError(`not found: ${err.message} (${where})`, { detail, cause: err });
      default:
        return new CliError(`the API server at ${where} answered ${err.status} ${err.reason}: ${err.message}`, {
          detail,
          cause: err,
        });
    }
  }
  return undefined;
}
