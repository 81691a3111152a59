// Types for seed.mjs.
export declare function seedDemo(cluster: { binDir: string; kubeconfig: string; dir: string }): void;
