import type { Argv } from 'yargs';
import { defineCommand, type GlobalArgs } from './command.js';
import type { CommandContext } from './context.js';
import { withConnection, withOutput } from './flags.js';
import { consumerView, describeSecret, exposureView, inventoryView, useRows } from './exposure-view.js';
import { secretNameArg } from './secret-name.js';
import { CliError, UsageError } from '../errors.js';
import type { Kube } from '../kube/client.js';
import { loadExposureSources } from '../kube/exposure-sources.js';
import { countingLists, countsText, type ListCounts } from '../kube/list-progress.js';
import { startProgress } from '../output/progress.js';
import { runExposure, type ExposureResult, type ExposureScope } from '../exposure/run.js';
import { findingsAtOrAbove } from '../exposure/report.js';
import { SEVERITIES } from '../exposure/types.js';
import { printReport, printWarnings } from '../output/print.js';
import { PARTIAL_ANSWER_EXIT } from './exit.js';

/** Exit code when --fail-on finds something at or above the threshold. */
export const FAIL_ON_EXIT_CODE = 3;

const builder = (y: Argv<GlobalArgs>) =>
  withOutput(withConnection(y))
    .positional('name', {
      type: 'string',
      describe: 'Secret name (omit for an inventory of every Secret in the namespace, or with -A in all namespaces)',
    })
    .options({
      'fail-on': {
        type: 'string',
        choices: SEVERITIES,
        describe: `Exit ${FAIL_ON_EXIT_CODE} when a finding of this severity or worse exists (for CI gates); ${PARTIAL_ANSWER_EXIT} when none does but the answer is partial`,
        requiresArg: true,
      },
      'metadata-only': {
        type: 'boolean',
        default: false,
        describe: 'Never read Secret data (metadata-only lists): key checks and types are skipped',
      },
      'show-hashes': {
        type: 'boolean',
        default: false,
        describe: 'Show a truncated SHA-256 of each value (never the value) to compare copies',
      },
      'chunk-size': {
        type: 'number',
        default: 500,
        describe: 'Objects per list request (as in kubectl)',
        requiresArg: true,
      },
    });

export const exposureCommand = defineCommand({
  command: 'exposure [name]',
  cluster: true,
  describe: 'Where a Secret is consumed (pods, workloads, service accounts, ingresses) and how risky each use is',
  builder,
  examples: [
    {
      command: '$0 exposure db-credentials -n shop',
      describe: 'Who uses Secret shop/db-credentials, how, and how risky each use is',
    },
    {
      command: '$0 exposure -A',
      describe: 'Inventory of every Secret in every namespace, with its consumers and findings',
    },
    {
      command: '$0 exposure -A --fail-on=medium',
      describe: `The same as a CI gate: exit ${FAIL_ON_EXIT_CODE} on any finding of medium severity or worse`,
      exitCode: FAIL_ON_EXIT_CODE,
    },
    {
      command: '$0 exposure stripe-api-key -n payments -o json',
      describe: 'Every use with its keys, update verdict and risks (schema: docs/output.md)',
    },
  ],
  handler: async (args, ctx) => {
    const name = secretNameArg(args.name);
    const chunk = Number(args.chunkSize);
    if (!Number.isInteger(chunk) || chunk < 1)
      throw new UsageError(`invalid --chunk-size ${args.chunkSize}: use a positive whole number`);
    // yargs does not check `choices` of dashed flags once it strips the dashed spelling.
    if (args.failOn !== undefined && !SEVERITIES.includes(args.failOn)) {
      throw new UsageError(`invalid value "${args.failOn}" for --fail-on (one of ${SEVERITIES.join(', ')})`);
    }
    if (args.showHashes && args.metadataOnly)
      throw new UsageError('--show-hashes needs Secret data: drop --metadata-only');
    const kube = ctx.connect();
    const scope: ExposureScope = {
      namespace: args.allNamespaces ? undefined : args.namespace || kube.target.namespace,
      name,
      metadataOnly: args.metadataOnly === true,
      showHashes: args.showHashes === true,
      limit: chunk,
    };
    const result = await withListProgress(ctx, kube, (counted) =>
      runExposure((s) => loadExposureSources(counted, s), scope),
    );
    refuseUnknownSecret(result, scope);
    print(
      result,
      { output: args.output, noHeaders: args.noHeaders, allNamespaces: scope.namespace === undefined },
      ctx,
    );
    const failOn = args.failOn;
    if (failOn) {
      const n = findingsAtOrAbove(result.report.metadata.findings, failOn);
      if (n > 0) {
        ctx.io.stderr.write(`${n} finding${n === 1 ? '' : 's'} at or above ${failOn} (--fail-on=${failOn})\n`);
        return FAIL_ON_EXIT_CODE;
      }
      // A gate that passes what it could not see would pass anything its user may not list (cluster-scoped kinds
      // aside, which an identity of one namespace may not list).
      if (!result.namespacedComplete) {
        ctx.io.stderr.write(
          `no finding at or above ${failOn} in what could be read, but the answer is partial (see the warnings): --fail-on=${failOn} cannot pass it\n`,
        );
        return PARTIAL_ANSWER_EXIT;
      }
    }
    return 0;
  },
});

/** On a terminal, a spinner with the items listed so far; then one line with the totals and round trips. */
async function withListProgress<T>(ctx: CommandContext, kube: Kube, run: (counted: Kube) => Promise<T>): Promise<T> {
  const progress = await startProgress(ctx.io, { quiet: true });
  const started = Date.now();
  let last: ListCounts | undefined;
  const counted = countingLists(kube, (counts) => {
    last = counts;
    progress.step(`listing ${countsText(counts)}`);
  });
  try {
    const result = await run(counted);
    if (last) progress.done(`listed ${countsText(last)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    progress.stop();
  }
}

/** A Secret that is absent and referenced by nothing is most likely a typo. */
function refuseUnknownSecret(result: ExposureResult, scope: ExposureScope): void {
  if (result.kind !== 'ExposureReport' || result.report.items.length > 0) return;
  const secrets = result.report.metadata.secrets;
  if (secrets.some((s) => s.exists !== false)) return;
  const where = scope.namespace !== undefined ? `in namespace "${scope.namespace}"` : 'in any namespace';
  throw new CliError(`secret "${scope.name}" not found ${where}, and nothing references it`);
}

function print(
  result: ExposureResult,
  opts: { output: string; noHeaders: boolean; allNamespaces: boolean },
  ctx: CommandContext,
): void {
  const { output, noHeaders } = opts;
  if (result.kind === 'SecretInventory') {
    printReport(result.report, inventoryView, opts, ctx.io);
    printWarnings(result.report, ctx.io);
    return;
  }
  const report = result.report;
  if (output === 'json' || output === 'yaml' || output === 'name') {
    printReport(report, consumerView, opts, ctx.io);
  } else {
    if (!noHeaders) for (const s of report.metadata.secrets) ctx.io.stderr.write(describeSecret(s));
    const rows = { kind: report.kind, metadata: report.metadata, items: useRows(report.items) };
    printReport(rows, exposureView(opts.allNamespaces), opts, ctx.io);
  }
  printWarnings(report, ctx.io);
}
