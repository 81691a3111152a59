export declare const CACHE: string;
/** Path of rcodesign, built with cargo into the cache when missing. */
export declare function rcodesign(): string;
/** Command prefix that runs a linux/arm64 program on this machine ([] on linux/arm64). */
export declare function arm64Runner(): string[];
