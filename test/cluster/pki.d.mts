// Types for pki.mjs (the parts tests use).

/** Key and certificate signed by `ca`, written as `<dir>/<name>.key|.crt`; returns their paths. */
export declare function makeCert(
  dir: string,
  ca: { cert: string; key: string },
  spec: { name: string; commonName: string; organizations?: string[]; server?: { dns: string[]; ips: string[] } },
): Promise<{ cert: string; key: string }>;
