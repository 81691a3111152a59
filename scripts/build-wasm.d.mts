// Types for the test that checks the committed WebAssembly module is what its source compiles to.
export function recordFieldsModule(): Promise<string>;
