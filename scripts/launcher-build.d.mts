export function bundleName(main: string): string;
export function buildLauncher(opts: { main: string; outfile: string }): void;
