import type { Argv } from 'yargs';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { commaList, withConnection, withOutput, type SharedArgs } from './flags.js';
import { warn } from './io.js';
import { CliError, UsageError } from '../errors.js';
import { subjectAccessReviews } from '../kube/access.js';
import { isForbidden } from '../kube/errors.js';
import { loadClusterSnapshot } from '../kube/rbac.js';
import { renderDot, renderMermaid } from '../output/graph.js';
import { printReport, printWarnings } from '../output/print.js';
import type { Column, Report, View } from '../output/report.js';
import { checkSubject } from '../whocan/check.js';
import { whoCanGraph } from '../whocan/graph.js';
import { READ_VERBS, rowIdentity, type ReadVerb, type WhoCanRow } from '../whocan/report.js';
import { ruleText } from '../whocan/rules.js';
import { runWhoCan, type WhoCanResult } from '../whocan/run.js';
import { identityLabel, identityName, parseIdentity, parseSubjectKind, type Identity, type SubjectKind } from '../whocan/subjects.js';
import type { AccessQuestion } from '../whocan/verify.js';

const EPILOG = `Exit codes:
  0  answered (--check: the subject can read the Secret)
  1  error, or --check: the subject cannot
  2  --verify: the API server disputes at least one direct row (listed on stderr)

The tool never reads the Secret: it lists RBAC objects, ServiceAccounts, pods and
workloads, and checks that the Secret exists with a metadata-only list.`;

interface WhoCanArgs {
  name: string;
  directOnly: boolean;
  allPaths: boolean;
  verb?: string | string[];
  subjectKind?: string | string[];
  check?: string;
  verify: boolean;
  includeSystem: boolean;
}

/** Options after Complete and Validate. */
interface WhoCanPlan {
  secret: { namespace: string; name: string };
  verbs: ReadVerb[];
  subjectKinds: SubjectKind[];
  check: Identity | undefined;
  indirect: boolean;
  allPaths: boolean;
  verify: boolean;
  includeSystem: boolean;
  output: string;
  noHeaders: boolean;
}

export const whoCanCommand = defineCommand<WhoCanArgs>({
  command: 'who-can <name>',
  describe: 'Every subject that can read a Secret, and why (direct RBAC and indirect paths)',
  builder: (y) =>
    withOutput(withConnection(y), ['dot', 'mermaid'])
      .positional('name', { type: 'string', describe: 'Secret name', demandOption: true })
      .options({
        'direct-only': { type: 'boolean', default: false, describe: 'Only subjects RBAC lets read the Secret directly' },
        'all-paths': { type: 'boolean', default: false, describe: 'Also list indirect paths of subjects that can read directly' },
        verb: { type: 'string', describe: 'Read verbs to consider (get, list, watch; repeatable or comma-separated)' },
        'subject-kind': { type: 'string', describe: 'Only these subject kinds (User, Group, ServiceAccount)' },
        check: { type: 'string', describe: 'Answer yes/no for one subject (user:NAME, group:NAME, serviceaccount:NS:NAME); exit 0 yes, 1 no' },
        verify: { type: 'boolean', default: false, describe: 'Confirm every direct row with a SubjectAccessReview' },
        'include-system': { type: 'boolean', default: false, describe: 'List control-plane components (kube-controller-manager and its controllers) one by one' },
      })
      // yargs types keep the dashed names; the camel-case ones are what the handler reads.
      .epilog(EPILOG) as unknown as Argv<WhoCanArgs>,
  handler: async (args, ctx) => {
    const plan = complete(validate(args), args, ctx);
    const kube = ctx.connect();
    const result = await runWhoCan(plan.secret, { verbs: plan.verbs, indirect: plan.indirect, allPaths: plan.allPaths, subjectKinds: plan.subjectKinds, verify: plan.verify, includeSystem: plan.includeSystem || plan.check !== undefined }, {
      load: () => loadClusterSnapshot(kube, plan.secret.namespace, plan.secret.name, { indirect: plan.indirect }),
      review: (questions) => review(kube, questions),
    });
    return print(result, plan, ctx);
  },
});

/** Flags alone: reject what makes no sense before touching the kubeconfig. */
function validate(args: WhoCanArgs & SharedArgs): Omit<WhoCanPlan, 'secret'> & { namespace: string | undefined } {
  if (args.allNamespaces) {
    throw new UsageError('who-can answers for one Secret, which lives in one namespace: --all-namespaces is not supported (use -n NAMESPACE)');
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.name) || args.name.length > 253) {
    throw new UsageError(`invalid Secret name "${args.name}": a lowercase DNS subdomain such as db-credentials`);
  }
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
    if (args.verify) throw new UsageError('--check cannot be combined with --verify: run --verify on its own to confirm the rows');
  }
  return {
    namespace: args.namespace,
    verbs: verbs.length > 0 ? (READ_VERBS.filter((v) => verbs.includes(v)) as ReadVerb[]) : [...READ_VERBS],
    subjectKinds: [...new Set(kinds)],
    check,
    indirect: !args.directOnly,
    allPaths: args.allPaths,
    verify: args.verify,
    includeSystem: args.includeSystem,
    output: args.output,
    noHeaders: args.noHeaders,
  };
}

/** Fills in the namespace from the kubeconfig context, like kubectl. */
function complete(v: ReturnType<typeof validate>, args: WhoCanArgs, ctx: CommandContext): WhoCanPlan {
  const { namespace, ...rest } = v;
  const ns = namespace || ctx.connect().target.namespace || 'default';
  return { ...rest, secret: { namespace: ns, name: args.name } };
}

async function review(kube: ReturnType<CommandContext['connect']>, questions: readonly AccessQuestion[]): Promise<boolean[]> {
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
    if (isForbidden(err)) {
      throw new CliError('--verify needs permission to create subjectaccessreviews.authorization.k8s.io, which is forbidden: run without --verify or as someone who has it', { cause: err });
    }
    throw err;
  }
}

function print(result: WhoCanResult, plan: WhoCanPlan, ctx: CommandContext): number {
  const { io } = ctx;
  const report: Report<WhoCanRow> = { kind: 'WhoCanReport', metadata: result.metadata, items: result.rows };
  if (plan.check) return printCheck(result, plan.check, ctx);
  switch (plan.output) {
    case 'dot':
    case 'mermaid': {
      const graph = whoCanGraph(result.rows, plan.secret);
      io.stdout.write(plan.output === 'dot' ? renderDot(graph) : renderMermaid(graph));
      break;
    }
    case 'name': {
      // A subject with several paths is still one name.
      const view = whoCanView(plan.verify);
      const first = new Map<string, WhoCanRow>();
      for (const r of result.rows) if (!first.has(view.name(r))) first.set(view.name(r), r);
      printReport({ ...report, items: [...first.values()] }, view, plan, io);
      break;
    }
    default:
      printReport(report, whoCanView(plan.verify), plan, io);
  }
  printWarnings(report, io);
  const hidden = result.metadata.hiddenControlPlane;
  if (hidden.rows > 0 && (plan.output === 'table' || plan.output === 'wide')) {
    io.stderr.write(`note: ${hidden.rows} rows of ${hidden.subjects.length} control-plane components (kube-controller-manager and its controllers) not shown; --include-system lists them\n`);
  }
  for (const line of result.disputes) io.stderr.write(`${line}\n`);
  return result.disputes.length > 0 ? 2 : 0;
}

/** Like `kubectl auth can-i`: yes or no on stdout, the paths on stderr. */
function printCheck(result: WhoCanResult, subject: Identity, ctx: CommandContext): number {
  const answer = checkSubject(result.rows, subject);
  ctx.io.stdout.write(answer.allowed ? 'yes\n' : 'no\n');
  for (const row of answer.rows) {
    const as = row.subject === subject.name && row.kind === subject.kind ? '' : ` (as ${identityLabel({ kind: row.kind, name: row.subject, ...(row.namespace ? { namespace: row.namespace } : {}) })})`;
    ctx.io.stderr.write(`${row.path}${as}: ${row.verbs.join(',')} via ${row.via}\n`);
  }
  if (!answer.allowed) {
    ctx.io.stderr.write(`${identityLabel(subject)} (with groups ${answer.groups.join(', ') || 'none'}) has no path to secret ${result.metadata.secret.namespace}/${result.metadata.secret.name}\n`);
  }
  for (const w of result.metadata.warnings) warn(ctx.io, w);
  return answer.allowed ? 0 : 1;
}

function verbsText(row: WhoCanRow): string {
  return row.verbs.map((v) => (row.fieldSelectedOnly.includes(v) ? `${v}(by-name)` : v)).join(',');
}

function rulesText(row: WhoCanRow): string {
  const texts = row.chain.map((s) => (s.rule ? ruleText(s.rule) : s.authorizer === 'Node' ? '(Node authorizer)' : '(no rule: superuser)'));
  return [...new Set(texts)].join('; ');
}

/** Table and `-o name` of a WhoCanReport. */
export function whoCanView(verify: boolean): View<WhoCanRow> {
  const columns: Column<WhoCanRow>[] = [
    { header: 'kind', value: (r) => r.kind },
    { header: 'subject', value: (r) => (r.everyone ? `${r.subject} (EVERYONE)` : r.subject), color: (r) => (r.everyone || (r.kind === 'Group' && r.subject === 'system:masters') ? 'red' : undefined) },
    { header: 'namespace', value: (r) => r.namespace },
    { header: 'verbs', value: verbsText },
    { header: 'path', value: (r) => r.path, color: (r) => (r.path === 'direct' ? undefined : 'yellow') },
    { header: 'via', value: (r) => r.via },
  ];
  if (verify) {
    columns.push({
      header: 'verified',
      value: (r) => (r.verified === 'disputed' ? `disputed (${(r.disputedVerbs ?? []).join(',')})` : (r.verified ?? '')),
      color: (r) => (r.verified === 'disputed' ? 'red' : r.verified === 'confirmed' ? 'green' : 'gray'),
    });
  }
  columns.push({ header: 'rule', value: rulesText, wide: true });
  return {
    columns,
    name: (r) => identityName(rowIdentity(r)),
    empty: 'No subjects found.',
  };
}
