/** Byte values of JSON's structural characters, for scanning Buffers without decoding them. */
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const NEWLINE = 0x0a;
export const CR = 0x0d;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const DOT = 0x2e;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

/** JSON whitespace. */
export function isSpace(b: number): boolean {
  return b === SPACE || b === 0x09 || b === NEWLINE || b === CR;
}
