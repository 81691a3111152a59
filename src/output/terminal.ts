import type { IO, Writer } from '../cli/io.js';

// C0 controls but newline and tab, DEL, and C1 controls (U+0080–U+009F:
// terminals in UTF-8 mode act on U+009B as CSI, U+009D as OSC).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HAS_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Makes untrusted text inert on a terminal. ESC becomes `^[` and CR `\r`, as
 * kubectl does; other C0 controls use caret notation (BEL `^G`); DEL and C1
 * controls become `\u007f`..`\u009f`, which is also how JSON spells them, so a
 * JSON document passed through here still parses to the exact same strings.
 */
export function escapeTerminal(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x0d) return '\\r';
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One line of untrusted text: newlines too are made visible (a `warning:` line cannot forge another). */
export function escapeLine(text: string): string {
  return escapeTerminal(text).replace(/\r?\n/g, '\\n');
}

/** The streams as they were before escaping: only the output layer writes to them, with text it escaped itself. */
const RAW = new WeakMap<Writer, Writer>();

/**
 * Streams on which nothing written can drive the terminal. Applied once, where
 * the CLI starts, so every command gets it whatever it prints; JSON and YAML
 * pass through unchanged in meaning (js-yaml already escapes controls, and
 * JSON.stringify all C0 ones).
 */
export function terminalSafeIO(io: IO): IO {
  return { ...io, stdout: safeWriter(io.stdout), stderr: safeWriter(io.stderr) };
}

function safeWriter(raw: Writer): Writer {
  if (RAW.has(raw)) return raw;
  const safe: Writer = {
    write: (chunk: string | Buffer) => raw.write(escapeTerminal(String(chunk))),
    get isTTY() {
      return raw.isTTY;
    },
  };
  RAW.set(safe, raw);
  return safe;
}

/**
 * The unescaped stream behind a safe one, for text whose every untrusted part
 * the caller has escaped (coloured tables, the spinner's own cursor moves).
 */
export function rawWriter(writer: Writer): Writer {
  return RAW.get(writer) ?? writer;
}
