export function writeKubeconfig(
  path: string,
  spec: { server: string; caCert: string; user: string; clientCert?: string; clientKey?: string; token?: string },
): Promise<string>;
export function apiRequest(
  kubeconfig: string,
  method: string,
  path: string,
  options?: { body?: unknown; contentType?: string; timeoutMs?: number; headers?: Record<string, string> },
): Promise<{ status: number; body: any }>;
