export function auditWorkerSource(options?: { minify?: boolean; root?: string }): Promise<string>;
