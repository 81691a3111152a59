// The one error line for a failed connection: no advice meant for someone running node by hand.
import { describe, expect, it } from 'vitest';
import { KubeConnectionError, toCliError } from '../../../src/kube/errors.js';

const target = { server: 'https://10.0.0.1:6443', contextName: 'prod', userName: 'admin' } as never;

describe('toCliError', () => {
  it("leaves out Node's --use-system-ca hint from a TLS error (no node to pass it to)", () => {
    const err = new KubeConnectionError(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
      'https://10.0.0.1:6443',
    );
    expect(toCliError(err, target)?.message).toBe(
      `TLS error talking to https://10.0.0.1:6443 (context "prod"): unable to verify the first certificate; check the cluster's certificate-authority in the kubeconfig`,
    );
  });
});
