import type { Argv } from 'yargs';
import { defineCommand, type ArgsOf, type GlobalArgs } from './command.js';
import { commaList, repeated, withConnection, withOutput } from './flags.js';
import { accessWiring, auditFacts } from './access-deps.js';
import { logWindow, openLogs, type LogWindow } from './audit-logs.js';
import { rowReads, type RowReads } from '../access/join.js';
import { gatherAccess } from '../access/run.js';
import type { IO } from './io.js';
import { CliError, UsageError } from '../errors.js';
import { subjectAccessReviews } from '../kube/access.js';
import type { Kube } from '../kube/client.js';
import { isForbidden } from '../kube/errors.js';
import { renderDot, renderMermaid } from '../output/graph.js';
import { printReport, printWarnings } from '../output/print.js';
import type { Column, Report, View } from '../output/report.js';
import { checkSubject, type CheckAnswer } from '../whocan/check.js';
import { whoCanGraph } from '../whocan/graph.js';
import type { WhoCanOptions } from '../whocan/analyze.js';
import { READ_VERBS, rowIdentity, type WhoCanRow } from '../whocan/report.js';
import { ruleText } from '../whocan/rules.js';
import type { WhoCanResult } from '../whocan/run.js';
import {
  identityKey,
  identityLabel,
  identityName,
  parseIdentity,
  parseSubjectKind,
  type Identity,
} from '../whocan/subjects.js';
import type { AccessQuestion } from '../whocan/verify.js';
import { secretNameArg } from './secret-name.js';

const EPILOG = `Exit codes:
  0  answered (--check: the subject can read the Secret)
  1  error, or --check: the subject cannot
  2  --verify: the API server disputes at least one direct row (listed on stderr)

The tool never reads the Secret: it lists RBAC objects, ServiceAccounts, pods and
workloads, and checks that the Secret exists with a metadata-only list.`;

/** Options after Validate: the question to answer, and how to print the answer. */
interface WhoCanPlan extends WhoCanOptions {
  verify: boolean;
  check: Identity | undefined;
  output: string;
  noHeaders: boolean;
  /** --log: audit inputs and the window, for the READS and LAST READ columns. */
  logs: string[];
  window: LogWindow['window'];
}

const builder = (y: Argv<GlobalArgs>) =>
  withOutput(withConnection(y), ['dot', 'mermaid'])
    .positional('name', { type: 'string', describe: 'Secret name', demandOption: true })
    .options({
      'direct-only': { type: 'boolean', default: false, describe: 'Only subjects RBAC lets read the Secret directly' },
      'all-paths': {
        type: 'boolean',
        default: false,
        describe: 'Also list indirect paths of subjects that can read directly',
      },
      verb: {
        type: 'string',
        coerce: repeated,
        describe: 'Read verbs to consider (get, list, watch; repeatable or comma-separated)',
      },
      'subject-kind': {
        type: 'string',
        coerce: repeated,
        describe: 'Only these subject kinds (User, Group, ServiceAccount)',
      },
      check: {
        type: 'string',
        describe: 'Answer yes/no for one subject (user:NAME, group:NAME, serviceaccount:NS:NAME); exit 0 yes, 1 no',
      },
      verify: { type: 'boolean', default: false, describe: 'Confirm every direct row with a SubjectAccessReview' },
      'include-system': {
        type: 'boolean',
        default: false,
        describe: 'List control-plane components (kube-controller-manager and its controllers) one by one',
      },
      log: {
        type: 'string',
        coerce: repeated,
        requiresArg: true,
        describe:
          'Audit log (file, directory, glob, - for stdin; repeatable): adds READS and LAST READ, and marks rows never used',
      },
      since: {
        type: 'string',
        coerce: repeated,
        requiresArg: true,
        describe: 'With --log: only requests after this time (duration like 30d, or RFC3339)',
      },
      until: {
        type: 'string',
        coerce: repeated,
        requiresArg: true,
        describe: 'With --log: only requests before this time',
      },
    })
    .epilog(EPILOG);

type WhoCanArgs = ArgsOf<typeof builder>;

export const whoCanCommand = defineCommand({
  command: 'who-can <name>',
  cluster: true,
  describe: 'Every subject that can read a Secret, and why (direct RBAC and indirect paths)',
  builder,
  examples: [
    {
      command: '$0 who-can db-credentials -n shop',
      describe: 'Every subject that can read Secret shop/db-credentials, directly or through a workload',
    },
    {
      command: '$0 who-can stripe-api-key -n payments -o wide --verify',
      describe: 'With the granting rules, each direct row confirmed by the API server',
    },
    {
      command: '$0 who-can db-credentials -n shop --check user:alice',
      describe: 'yes or no (exit 0 or 1) for one subject, the paths on stderr',
    },
    {
      command: '$0 who-can api-keys -n shop --direct-only -o json',
      describe: 'Direct RBAC only, as a WhoCanReport (schema: docs/output.md)',
    },
  ],
  handler: async (args, ctx) => {
    const plan = validate(args);
    const inputs = plan.logs.length > 0 ? await openLogs(plan.logs, ctx.io.stdin) : undefined;
    // Complete: the namespace is -n, else the kubeconfig context's, else "default" (as kubectl).
    const kube = ctx.connect();
    const secret = { namespace: kube.target.namespace, name: args.name };
    const wiring = accessWiring(kube, secret, {
      whoCan: plan,
      review: (questions) => review(kube, questions),
      exposure: false,
      ...(inputs ? { audit: { inputs, query: plan.window, io: ctx.io, verbosity: ctx.verbosity } } : {}),
    });
    const access = await gatherAccess(wiring.deps);
    const result = access.whoCan;
    if (access.audit) {
      const facts = auditFacts(access.audit, plan.window, secret);
      result.rows = result.rows.map((row) => ({ ...row, ...rowReads(row, access.ledger) }));
      Object.assign(result.metadata, { window: facts.window, logs: facts.logs });
      result.metadata.warnings.push(...facts.warnings);
      if (!facts.complete) result.metadata.complete = false;
    }
    return print(result, plan, ctx.io);
  },
});

/** Flags alone: reject what makes no sense before touching the kubeconfig. */
function validate(args: WhoCanArgs): WhoCanPlan {
  if (args.allNamespaces) {
    throw new UsageError(
      'who-can answers for one Secret, which lives in one namespace: --all-namespaces is not supported (use -n NAMESPACE)',
    );
  }
  // secret/NAME, as kubectl and the -o name outputs print it, is NAME for every step that follows.
  args.name = secretNameArg(args.name)!;
  const verbs = commaList(args.verb).map((v) => v.toLowerCase());
  const badVerb = verbs.find((v) => !(READ_VERBS as readonly string[]).includes(v));
  if (badVerb) throw new UsageError(`invalid --verb "${badVerb}": one of ${READ_VERBS.join(', ')}`);
  const kinds = commaList(args.subjectKind).map((k) => {
    const kind = parseSubjectKind(k);
    if (!kind) throw new UsageError(`invalid --subject-kind "${k}": one of User, Group, ServiceAccount`);
    return kind;
  });
  let check: Identity | undefined;
  if (args.check !== undefined) {
    const parsed = parseIdentity(args.check);
    if ('error' in parsed) throw new UsageError(parsed.error);
    check = parsed;
    if (args.output !== 'table') throw new UsageError('--check prints yes or no: it cannot be combined with --output');
    if (args.verify)
      throw new UsageError('--check cannot be combined with --verify: run --verify on its own to confirm the rows');
  }
  const { logs, window } = logWindow(args);
  if (logs.length > 0 && check !== undefined)
    throw new UsageError('--check answers yes or no: it cannot be combined with --log');
  return {
    logs,
    window,
    verbs: verbs.length > 0 ? READ_VERBS.filter((v) => verbs.includes(v)) : [...READ_VERBS],
    subjectKinds: [...new Set(kinds)],
    indirect: !args.directOnly,
    allPaths: args.allPaths,
    verify: args.verify,
    // --check answers for any subject, control-plane components included.
    includeSystem: args.includeSystem || check !== undefined,
    check,
    output: args.output,
    noHeaders: args.noHeaders,
  };
}

async function review(kube: Kube, questions: readonly AccessQuestion[]): Promise<boolean[] | undefined> {
  try {
    const answers = await subjectAccessReviews(
      kube,
      questions.map((q) => ({
        subject: { ...(q.user === undefined ? {} : { user: q.user }), groups: q.groups },
        attributes: { resourceAttributes: q.attributes },
      })),
    );
    return answers.map((a) => a.allowed);
  } catch (err) {
    // A partial answer, as for any list the tool may not read: the rows, marked unverified, and a warning.
    if (isForbidden(err)) return undefined;
    throw err;
  }
}

function print(result: WhoCanResult, plan: WhoCanPlan, io: IO): number {
  const report: Report<WhoCanRow> = { kind: 'WhoCanReport', metadata: result.metadata, items: result.rows };
  if (plan.check) {
    const answer = checkSubject(result.rows, plan.check);
    if (!answer.allowed && !result.metadata.complete) {
      // RBAC only adds: a path found is a yes, but no path in part of it is no "no" (kubectl auth can-i errs too).
      printWarnings(report, io);
      const { namespace, name } = result.metadata.secret;
      throw new CliError(
        `cannot tell whether ${identityLabel(plan.check)} can read secret ${namespace}/${name}: no role or binding this tool could list lets it, but some could not be listed (see the warnings): ask the API server ("kubectl auth can-i", as someone who may impersonate it)`,
      );
    }
    printCheck(answer, result, plan.check, io);
    printWarnings(report, io);
    return answer.allowed ? 0 : 1;
  }
  if (plan.output === 'dot' || plan.output === 'mermaid') {
    const graph = whoCanGraph(result.rows, result.metadata.secret);
    io.stdout.write(plan.output === 'dot' ? renderDot(graph) : renderMermaid(graph));
  } else {
    printReport(report, whoCanView(plan.verify, plan.logs.length > 0), plan, io);
  }
  printWarnings(report, io);
  const hidden = result.metadata.hiddenControlPlane;
  if (hidden.rows > 0 && (plan.output === 'table' || plan.output === 'wide')) {
    io.stderr.write(
      `note: ${hidden.rows} rows of ${hidden.subjects.length} control-plane components (kube-controller-manager and its controllers) not shown; --include-system lists them\n`,
    );
  }
  for (const line of result.disputes) io.stderr.write(`${line}\n`);
  return result.disputes.length > 0 ? 2 : 0;
}

/** Like `kubectl auth can-i`: yes or no on stdout, the paths on stderr. */
function printCheck(answer: CheckAnswer, result: WhoCanResult, subject: Identity, io: IO): void {
  io.stdout.write(answer.allowed ? 'yes\n' : 'no\n');
  for (const row of answer.rows) {
    const who = rowIdentity(row);
    const as = identityKey(who) === identityKey(subject) ? '' : ` (as ${identityLabel(who)})`;
    io.stderr.write(`${row.path}${as}: ${verbsText(row)} via ${row.via}\n`);
  }
  if (!answer.allowed) {
    io.stderr.write(
      `${identityLabel(subject)} (with groups ${answer.groups.join(', ') || 'none'}) has no path to secret ${result.metadata.secret.namespace}/${result.metadata.secret.name}\n`,
    );
  }
}

function verbsText(row: WhoCanRow): string {
  return row.verbs.map((v) => (row.fieldSelectedOnly.includes(v) ? `${v}(by-name)` : v)).join(',');
}

function rulesText(row: WhoCanRow): string {
  const texts = row.chain.map((s) =>
    s.rule ? ruleText(s.rule) : s.authorizer === 'Node' ? '(Node authorizer)' : '(no rule: superuser)',
  );
  return [...new Set(texts)].join('; ');
}

/** Table and `-o name` of a WhoCanReport. */
export function whoCanView(verify: boolean, reads = false): View<WhoCanRow & Partial<RowReads>> {
  const columns: Column<WhoCanRow & Partial<RowReads>>[] = [
    { header: 'kind', value: (r) => r.kind },
    {
      header: 'subject',
      value: (r) => (r.everyone ? `${r.subject} (EVERYONE)` : r.subject),
      color: (r) => (r.everyone || (r.kind === 'Group' && r.subject === 'system:masters') ? 'red' : undefined),
    },
    { header: 'namespace', value: (r) => r.namespace },
    { header: 'verbs', value: verbsText },
    { header: 'path', value: (r) => r.path, color: (r) => (r.path === 'direct' ? undefined : 'yellow') },
    { header: 'via', value: (r) => r.via },
  ];
  if (verify) {
    columns.push({
      header: 'verified',
      value: (r) =>
        r.verified === 'disputed' ? `disputed (${(r.disputedVerbs ?? []).join(',')})` : (r.verified ?? ''),
      color: (r) => (r.verified === 'disputed' ? 'red' : r.verified === 'confirmed' ? 'green' : 'gray'),
    });
  }
  if (reads) {
    columns.push(
      { header: 'reads', value: (r) => String(r.reads ?? 0) },
      {
        header: 'last read',
        value: (r) => (r.unused ? 'unused' : (r.lastRead ?? '')),
        color: (r) => (r.unused ? 'gray' : undefined),
      },
    );
  }
  columns.push({ header: 'rule', value: rulesText, wide: true });
  return {
    columns,
    name: (r) => identityName(rowIdentity(r)),
    empty: 'No subjects found.',
  };
}
