export function auditWorkerSource(options?: { minify?: boolean }): Promise<string>;
