import { escapeTerminal } from './terminal.js';

// Bidirectional marks, overrides and isolates reorder what a reader sees, and
// zero-width characters and the byte-order mark hide (a name can look like
// another). They are escaped in table cells and report text, not in the
// streams, where YAML would carry the escape literally.
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Untrusted text (audit log fields, object names) made inert for a table cell. */
export function safeText(text: string): string {
  return escapeTerminal(text).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
