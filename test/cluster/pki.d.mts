export function makeCA(dir: string, commonName: string): Promise<{ cert: string; key: string }>;
export function makeCert(
  dir: string,
  ca: { cert: string; key: string },
  spec: { name: string; commonName: string; organizations?: string[]; server?: { dns: string[]; ips: string[] } },
): Promise<{ cert: string; key: string }>;
export function makeSigningKey(dir: string): Promise<{ key: string; pub: string }>;
