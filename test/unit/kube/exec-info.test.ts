import { describe, expect, it } from 'vitest';
import { execCredentialInfo } from '../../../src/kube/exec-info.js';

describe('execCredentialInfo (KUBERNETES_EXEC_INFO)', () => {
  it('says the plugin cannot prompt, in the apiVersion the kubeconfig asks for', () => {
    expect(JSON.parse(execCredentialInfo({ apiVersion: 'client.authentication.k8s.io/v1beta1' }, {}))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('with provideClusterInfo, the cluster: a certificate-authority file as its data, unset fields left out', () => {
    const read = (file: string) => Buffer.from(`PEM of ${file}`);
    const info = execCredentialInfo(
      { provideClusterInfo: true },
      {
        server: 'https://k:6443',
        'certificate-authority': '/etc/ca.crt',
        'proxy-url': 'socks5://p:1080',
        'insecure-skip-tls-verify': false,
      },
      read,
    );
    expect(JSON.parse(info).spec.cluster).toEqual({
      server: 'https://k:6443',
      'certificate-authority-data': Buffer.from('PEM of /etc/ca.crt').toString('base64'),
      'proxy-url': 'socks5://p:1080',
    });
  });
});
