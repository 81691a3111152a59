export function buildLauncher(opts: { main: string; outfile: string }): Promise<void>;
