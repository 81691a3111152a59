// Types for pki.mjs (the parts tests use).

export declare function makeCA(dir: string, commonName: string): Promise<{ cert: string; key: string }>;
/** Key and certificate signed by `ca`, written as `<dir>/<name>.key|.crt`; returns their paths. */
export declare function makeCert(
  dir: string,
  ca: { cert: string; key: string },
  spec: { name: string; commonName: string; organizations?: string[]; server?: { dns: string[]; ips: string[] } },
): Promise<{ cert: string; key: string }>;
export declare function makeSigningKey(dir: string): Promise<{ key: string; pub: string }>;
