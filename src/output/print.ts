import yaml from 'js-yaml';
import { colorEnabled, warn, type IO, type Writer } from '../cli/io.js';
import { renderTable } from './table.js';
import { toDocument, type Color, type OutputFormat, type Report, type View } from './report.js';
import { paint } from './color.js';
import { escapeLine, rawWriter } from './terminal.js';
import { safeLine } from './safe-text.js';

export interface PrintOptions {
  output: OutputFormat | string;
  noHeaders: boolean;
}

/** Writes a report in the chosen format: the only place command output is formatted. */
export function printReport<T>(report: Report<T>, view: View<T>, opts: PrintOptions, io: IO): void {
  switch (opts.output) {
    case 'json':
    case 'yaml':
      printDocument(toDocument(report), opts.output, io);
      return;
    case 'name':
      // Like kubectl: each object once, however many rows it has; each on one line, whatever a log's name holds.
      for (const name of new Set(report.items.map((row) => view.name(row)))) io.stdout.write(`${safeLine(name)}\n`);
      return;
    default:
      if (report.items.length === 0) {
        io.stderr.write(`${view.empty}\n`);
        return;
      }
      // Every cell is escaped by renderTable: only its colour codes reach the terminal as such.
      rawWriter(io.stdout).write(
        renderTable(view.columns, report.items, {
          wide: opts.output === 'wide',
          noHeaders: opts.noHeaders,
          color: colorEnabled(io),
        }),
      );
  }
}

/** A versioned document (apiVersion, kind, ...) as JSON or YAML on stdout. */
export function printDocument(doc: object, format: 'json' | 'yaml', io: IO): void {
  if (format === 'json') {
    const bytes = new JsonBytes(io.stdout);
    writeJson(doc, (text) => bytes.push(text));
    bytes.flush();
  } else io.stdout.write(yaml.dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false }));
}

/**
 * JSON text as its UTF-8 bytes, encoded piece by piece into buffers of about a megabyte (off V8's heap: who-can's
 * 3.9 MB at 10,000 bindings as one string, its copy and its bytes from Buffer.from cost ~9 ms and pushed the old
 * generation into a mark-compact), each passed to the stream past the safe stream's scan when none of its bytes
 * could drive a terminal: JSON.stringify writes C0 controls as escapes, so only DEL (0x7f) and C1 controls
 * (0xc2 0x80..0x9f) could be there, which Buffer.indexOf finds at memchr's speed. A buffer with one goes through
 * the safe stream as text. Buffers end between pieces, so never inside a character.
 */
class JsonBytes {
  private buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(private readonly stream: Writer) {}

  push(text: string): void {
    // at most 3 bytes a UTF-16 unit (a surrogate pair: 4 bytes for 2)
    if (text.length * 3 > this.buffer.length - this.used) {
      this.flush();
      this.buffer = Buffer.allocUnsafeSlow(Math.max(JSON_CHUNK, text.length * 3));
    }
    this.used += this.buffer.write(text, this.used);
  }

  flush(): void {
    if (this.used === 0) return;
    const bytes = this.buffer.subarray(0, this.used);
    this.buffer = this.buffer.subarray(this.used);
    this.used = 0;
    if (inert(bytes)) rawWriter(this.stream).write(bytes);
    else this.stream.write(bytes.toString('utf8'));
  }
}

function inert(bytes: Buffer): boolean {
  if (bytes.indexOf(0x7f) !== -1) return false;
  for (let i = bytes.indexOf(0xc2); i !== -1; i = bytes.indexOf(0xc2, i + 1)) {
    const next = bytes[i + 1];
    if (next !== undefined && next >= 0x80 && next <= 0x9f) return false;
  }
  return true;
}

/** Bytes of JSON written at once. */
const JSON_CHUNK = 1 << 20;

/**
 * Exactly `JSON.stringify(doc, null, 2)` and a newline, handed to `write` in pieces, an item batch at a time when
 * the document ends with its items: who-can's answer at 100,000 bindings is ~18 MB of JSON, which as one string
 * (two bytes a character once it holds a `→`), its copy with the newline and its UTF-8 bytes was ~100 MB of the
 * command's peak memory. The pieces are slices of each batch's text, not joined: a joined string would be copied
 * once more when encoded.
 */
export function writeJson(doc: object, write: (text: string) => void): void {
  const items = (doc as { items?: unknown }).items;
  const keys = Object.keys(doc);
  if (!Array.isArray(items) || items.length === 0 || keys[keys.length - 1] !== 'items') {
    write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  const head = JSON.stringify({ ...doc, items: [] }, null, 2); // ends with `"items": []\n}`
  const cut = head.lastIndexOf('[]');
  write(`${head.slice(0, cut)}[\n`);
  for (let i = 0; i < items.length; i += JSON_BATCH) {
    // A batch as elements of the items array, two levels deep, as JSON.stringify writes them there (undefined
    // and functions are null in an array): `[[a, b]]` is `[\n  [\n    a,\n    b\n  ]\n]`, whose middle is the text.
    const nested = JSON.stringify([items.slice(i, i + JSON_BATCH)], null, 2);
    write(nested.slice(6, -6));
    write(i + JSON_BATCH < items.length ? ',\n' : '\n');
  }
  write(`  ]${head.slice(cut + 2)}\n`);
}

/** Items made into text at once: few enough that a batch of large ones stays small beside JSON_CHUNK. */
const JSON_BATCH = 32;

/** Warnings and partial-answer notes go to stderr so that stdout stays machine-readable. */
export function printWarnings(report: Report<unknown>, io: IO): void {
  for (const w of report.metadata.warnings ?? []) warn(io, w);
}

/** One line on stderr in a colour (on a terminal): the text is escaped, the colour codes are the tool's own. */
export function printPainted(io: IO, text: string, color: Color): void {
  rawWriter(io.stderr).write(`${paint(escapeLine(text), color, colorEnabled(io, io.stderr))}\n`);
}
