import { escapeTerminal } from './terminal.js';

// Bidirectional overrides and isolates reorder what a reader sees (a name can
// look like another). They are escaped in table cells and report text, not in
// the streams, where YAML would carry the escape literally.
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Untrusted text (audit log fields, object names) made inert for a table cell. */
export function safeText(text: string): string {
  return escapeTerminal(text).replace(BIDI, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
