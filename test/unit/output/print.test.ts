import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { printReport, printWarnings } from '../../../src/output/print.js';
import { renderTable } from '../../../src/output/table.js';
import type { Report, View } from '../../../src/output/report.js';
import type { IO } from '../../../src/cli/io.js';
import { escapeTerminal, terminalSafeIO } from '../../../src/output/terminal.js';

interface Row {
  kind: string;
  name: string;
  rule: string;
}

const view: View<Row> = {
  columns: [
    { header: 'kind', value: (r) => r.kind },
    { header: 'subject', value: (r) => r.name, color: (r) => (r.kind === 'Group' ? 'red' : undefined) },
    { header: 'rule', value: (r) => r.rule, wide: true },
  ],
  name: (r) => `${r.kind.toLowerCase()}/${r.name}`,
  empty: 'No subjects found.',
};

const report: Report<Row> = {
  kind: 'TestReport',
  metadata: { secret: 'db', complete: false, warnings: ['cannot list roles (forbidden)'] },
  items: [
    { kind: 'User', name: 'alice', rule: 'get secrets' },
    { kind: 'Group', name: 'system:masters', rule: '' },
  ],
};

function capture(tty = false, env: NodeJS.ProcessEnv = {}) {
  const out = {
    text: '',
    isTTY: tty,
    write(s: string) {
      this.text += s;
      return true;
    },
  };
  const err = {
    text: '',
    isTTY: tty,
    write(s: string) {
      this.text += s;
      return true;
    },
  };
  const io = { stdout: out, stderr: err, stdin: process.stdin, env } as unknown as IO;
  return { io, out, err };
}

describe('printReport', () => {
  it('prints a kubectl-style table: upper-case headers, no borders, 3-space gaps, no trailing blanks', () => {
    const { io, out } = capture();
    printReport(report, view, { output: 'table', noHeaders: false }, io);
    expect(out.text).toBe(['KIND    SUBJECT', 'User    alice', 'Group   system:masters', ''].join('\n'));
  });

  it('adds wide columns with -o wide and shows <none> for empty cells', () => {
    const { io, out } = capture();
    printReport(report, view, { output: 'wide', noHeaders: false }, io);
    expect(out.text.split('\n')).toEqual([
      'KIND    SUBJECT          RULE',
      'User    alice            get secrets',
      'Group   system:masters   <none>',
      '',
    ]);
  });

  it('omits headers with --no-headers', () => {
    const { io, out } = capture();
    printReport(report, view, { output: 'table', noHeaders: true }, io);
    expect(out.text.split('\n')[0]).toBe('User    alice');
  });

  it('colours cells only on a terminal without NO_COLOR', () => {
    const tty = capture(true);
    printReport(report, view, { output: 'table', noHeaders: false }, tty.io);
    expect(tty.out.text).toContain('\u001b[31msystem:masters\u001b[39m');
    const noColor = capture(true, { NO_COLOR: '1' });
    printReport(report, view, { output: 'table', noHeaders: false }, noColor.io);
    expect(noColor.out.text).not.toContain('\u001b[');
    const piped = capture(false);
    printReport(report, view, { output: 'table', noHeaders: false }, piped.io);
    expect(piped.out.text).not.toContain('\u001b[');
  });

  it('prints a versioned JSON document', () => {
    const { io, out } = capture();
    printReport(report, view, { output: 'json', noHeaders: false }, io);
    expect(JSON.parse(out.text)).toEqual({
      apiVersion: 'kubectl-secrets.dev/v1alpha1',
      kind: 'TestReport',
      metadata: report.metadata,
      items: report.items,
    });
  });

  it('writes JSON as the safe stream would: its bytes past the scan when inert, escaped text when not', () => {
    const inert: Report<Row> = {
      ...report,
      items: [...report.items, { kind: 'User', name: 'zoë → ©', rule: 'tab\tand "quotes"\u0007' }],
    };
    const hostile: Report<Row> = {
      ...report,
      items: [{ kind: 'User', name: 'csi \u009b[2J del \u007f', rule: '' }],
    };
    for (const [r, raw] of [
      [inert, true],
      [hostile, false],
    ] as const) {
      const writes: Array<{ to: string; chunk: unknown }> = [];
      const stream = (to: string) => ({ write: (chunk: unknown) => writes.push({ to, chunk }) });
      const io = terminalSafeIO({ stdout: stream('stdout'), stderr: stream('stderr'), stdin: process.stdin, env: {} });
      printReport(r, view, { output: 'json', noHeaders: false }, io);
      const doc = { apiVersion: 'kubectl-secrets.dev/v1alpha1', kind: r.kind, metadata: r.metadata, items: r.items };
      const text = writes.map((w) => String(w.chunk)).join('');
      expect(text).toBe(`${escapeTerminal(JSON.stringify(doc, null, 2))}\n`);
      expect(text).not.toMatch(/[\u007f-\u009f]/);
      expect(JSON.parse(text)).toEqual(doc);
      expect(writes.every((w) => Buffer.isBuffer(w.chunk) === raw && w.to === 'stdout')).toBe(true);
    }
  });

  it('writes a long JSON document in several buffers, its exact UTF-8 bytes, each buffer scanned on its own', () => {
    const items: Row[] = Array.from({ length: 30_000 }, (_, i) => ({
      kind: 'User',
      name: `user-${i} → zoë 🔑 \ud800 "q" \\ \t`,
      rule: i === 25_000 ? 'csi \u009b[2J del \u007f' : `rolebinding/b${i} → role/r`,
    }));
    const r: Report<Row> = { ...report, items };
    const writes: unknown[] = [];
    const stream = { write: (chunk: unknown) => writes.push(chunk) };
    const io = terminalSafeIO({ stdout: stream, stderr: stream, stdin: process.stdin, env: {} });
    printReport(r, view, { output: 'json', noHeaders: false }, io);
    const doc = { apiVersion: 'kubectl-secrets.dev/v1alpha1', kind: r.kind, metadata: r.metadata, items };
    const bytes = Buffer.concat(writes.map((w) => (Buffer.isBuffer(w) ? w : Buffer.from(String(w)))));
    expect(bytes.equals(Buffer.from(`${escapeTerminal(JSON.stringify(doc, null, 2))}\n`))).toBe(true);
    // the buffer with the hostile item went through the safe stream as text, the others as bytes
    expect(writes.filter((w) => typeof w === 'string')).toHaveLength(1);
    expect(writes.filter((w) => Buffer.isBuffer(w)).length).toBeGreaterThan(1);
  });

  it('prints the same document as YAML', () => {
    const { io, out } = capture();
    printReport(report, view, { output: 'yaml', noHeaders: false }, io);
    expect(yaml.load(out.text)).toEqual(
      JSON.parse(
        JSON.stringify({
          apiVersion: 'kubectl-secrets.dev/v1alpha1',
          kind: 'TestReport',
          metadata: report.metadata,
          items: report.items,
        }),
      ),
    );
    expect(out.text.startsWith('apiVersion: kubectl-secrets.dev/v1alpha1\nkind: TestReport\n')).toBe(true);
  });

  it('prints names with -o name', () => {
    const { io, out } = capture();
    printReport(report, view, { output: 'name', noHeaders: false }, io);
    expect(out.text).toBe('user/alice\ngroup/system:masters\n');
  });

  it('prints each name once with -o name, in first-seen order', () => {
    const { io, out } = capture();
    printReport(
      { ...report, items: [...report.items, { kind: 'User', name: 'alice', rule: 'list secrets' }] },
      view,
      { output: 'name', noHeaders: false },
      io,
    );
    expect(out.text).toBe('user/alice\ngroup/system:masters\n');
  });

  it('prints one line per name with -o name: a line break or an invisible character from a log is shown escaped', () => {
    // An audit log's user name (or a RoleBinding's User subject) may hold "\n": printed raw it forged a second name.
    const { io, out } = capture();
    printReport(
      { ...report, items: [{ kind: 'User', name: 'bob\nsystem:masters\u200b', rule: '' }] },
      view,
      { output: 'name', noHeaders: false },
      io,
    );
    expect(out.text).toBe('user/bob\\nsystem:masters\\u200b\n');
  });

  it('says so on stderr when there is nothing, keeping stdout empty', () => {
    const { io, out, err } = capture();
    printReport({ ...report, items: [] }, view, { output: 'table', noHeaders: false }, io);
    expect(out.text).toBe('');
    expect(err.text).toBe('No subjects found.\n');
  });

  it('prints an empty items list for JSON even with no rows', () => {
    const { io, out } = capture();
    printReport({ ...report, items: [] }, view, { output: 'json', noHeaders: false }, io);
    expect(JSON.parse(out.text).items).toEqual([]);
  });

  it('prints warnings on stderr', () => {
    const { io, err } = capture();
    printWarnings(report, io);
    expect(err.text).toBe('warning: cannot list roles (forbidden)\n');
  });
});

describe('renderTable', () => {
  it('renders a table of 300,000 rows: widths are not measured through a spread of every cell (call stack)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ a: `user-${i}`, b: 'get' }));
    const columns = [
      { header: 'a', value: (r: { a: string }) => r.a },
      { header: 'b', value: (r: { b: string }) => r.b },
    ];
    const text = renderTable(columns, rows, { wide: false, noHeaders: false, color: false });
    expect(text.split('\n')[1]).toBe('user-0        get');
  });

  it('keeps every cell on one line', () => {
    const text = renderTable([{ header: 'a', value: (r: { a: string }) => r.a }], [{ a: 'one\ntwo' }], {
      wide: false,
      noHeaders: true,
      color: false,
    });
    expect(text).toBe('one two\n');
  });

  it('aligns columns by what a terminal shows: wide CJK and emoji take two columns, combining marks none', () => {
    const rows = [
      { user: 'bob', n: '1' },
      { user: '用户-alice', n: '2' }, // 10 columns
      { user: 'carol\u0301e', n: '3' }, // caroĺe: 6 columns
      { user: 'rocket 🚀', n: '4' }, // 9 columns
    ];
    const cols = [
      { header: 'user', value: (r: (typeof rows)[0]) => r.user },
      { header: 'n', value: (r: (typeof rows)[0]) => r.n },
    ];
    const text = renderTable(cols, rows, { wide: false, noHeaders: false, color: false });
    expect(text).toBe(
      ['USER         N', 'bob          1', '用户-alice   2', 'carol\u0301e       3', 'rocket 🚀    4', ''].join('\n'),
    );
  });
});
