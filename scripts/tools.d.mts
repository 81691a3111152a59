export declare const CACHE: string;
/** Path of quill, built with the machine's Go into the cache when missing. */
export declare function quill(): string;
/** Command prefix that runs a linux/arm64 program on this machine ([] on linux/arm64). */
export declare function arm64Runner(): string[];
