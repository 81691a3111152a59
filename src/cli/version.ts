import { isSea } from 'node:sea';
import { defineCommand } from './command.js';
import { buildInfo, type BuildInfo } from '../buildinfo/info.js';
import { printReport } from '../output/print.js';
import type { View } from '../output/report.js';

const VIEW: View<BuildInfo> = { columns: [], name: (i) => i.version, empty: '' };

export const versionCommand = defineCommand({
  command: 'version',
  describe: 'Print the version, git commit, Node.js version and platform',
  builder: (y) =>
    y.options({
      output: {
        alias: 'o',
        type: 'string',
        choices: ['json', 'yaml'] as const,
        describe: 'Output format',
        requiresArg: true,
      },
    }),
  examples: [
    { command: '$0 version', describe: 'The version, git commit, the Node.js inside and the platform' },
    { command: '$0 version -o json', describe: 'The same as a Version document (schema: docs/output.md)' },
  ],
  handler: async (args, ctx) => {
    const info = buildInfo({
      version: process.version,
      platform: process.platform,
      arch: process.arch,
      isSea: isSea(),
    });
    if (args.output) {
      printReport(
        { kind: 'Version', metadata: {}, items: [info] },
        VIEW,
        { output: args.output, noHeaders: false },
        ctx.io,
      );
      return 0;
    }
    const runtime = info.singleExecutable ? 'inside the binary' : 'running the bundle';
    ctx.io.stdout.write(
      [
        `Version: ${info.version}`,
        `Git commit: ${info.gitCommit} (${info.gitTreeState})`,
        `Node.js: ${info.nodeVersion} (${runtime})`,
        `Platform: ${info.platform}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
});
