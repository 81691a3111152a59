import { escapeTerminal } from './terminal.js';

// Bidirectional marks, overrides and isolates reorder what a reader sees, and
// the other default-ignorable code points (zero-width characters, the
// byte-order mark, tag characters, variation selectors, fillers) show as
// nothing (a name can look like another). They are escaped in table cells and
// report text, not in the streams, where YAML would carry the escape literally.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

const escaped = (c: string): string => {
  const code = c.codePointAt(0)!.toString(16);
  return c.length === 1 ? `\\u${code.padStart(4, '0')}` : `\\u{${code}}`;
};

/** Untrusted text (audit log fields, object names) made inert for a table cell. */
export function safeText(text: string): string {
  return escapeTerminal(text).replace(INVISIBLE, escaped);
}

/** Untrusted text made inert as one line of its own (`-o name`): a line break inside it is shown as `\n`. */
export function safeLine(text: string): string {
  return safeText(text).replace(/\n/g, '\\n');
}
