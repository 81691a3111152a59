import type { Color } from './report.js';

const CODES: Record<Color, [number, number]> = {
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
  gray: [90, 39],
  bold: [1, 22],
};

export function paint(text: string, color: Color | undefined, enabled: boolean): string {
  if (!enabled || !color || text === '') return text;
  const [open, close] = CODES[color];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}
