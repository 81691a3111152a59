import type { UpdateInfo, UseVia } from './types.js';

const LIVE: UpdateInfo = {
  verdict: 'live',
  reason: 'the kubelet refreshes mounted files within about a minute (sync period plus cache)',
};

/** When a consumer sees a rotated value, for each way of using a Secret. */
export function updateVerdict(via: UseVia, opts: { subPath?: boolean; immutable?: boolean } = {}): UpdateInfo {
  if (opts.immutable && via !== 'secretProviderClassSync') {
    return {
      verdict: 'never',
      reason: 'immutable Secret: its data cannot change; rotate by creating a new Secret and repointing',
    };
  }
  switch (via) {
    case 'env':
    case 'envFrom':
      return {
        verdict: 'restart',
        reason: 'environment variables are set when the container starts: restart to pick up a new value',
      };
    case 'volume':
    case 'projected':
      return opts.subPath
        ? { verdict: 'restart', reason: 'subPath mounts never receive updates: restart to pick up a new value' }
        : LIVE;
    case 'csi':
    case 'volumePlugin':
      return {
        verdict: 'next-use',
        reason: 'credentials handed to the volume driver when the volume is mounted: new pods use the new value',
      };
    case 'imagePullSecret':
    case 'inheritedPullSecret':
    case 'serviceAccountPullSecret':
      return { verdict: 'next-use', reason: 'read by the kubelet at the next image pull' };
    case 'ingressTLS':
    case 'ingressAnnotation':
    case 'gatewayCertificate':
    case 'gatewayClientCertificate':
      return { verdict: 'live', reason: 'the controller watches the Secret and reloads it' };
    case 'storageClassParameter':
      return {
        verdict: 'next-use',
        reason: 'read by the CSI driver when it provisions, attaches, mounts or expands a volume',
      };
    case 'secretProviderClassSync':
      return { verdict: 'none', reason: 'the Secrets Store CSI driver writes this Secret from the external store' };
    case 'serviceAccountSecret':
    case 'serviceAccountToken':
      return { verdict: 'none', reason: 'listed on the ServiceAccount; no container reads it from here' };
  }
}
