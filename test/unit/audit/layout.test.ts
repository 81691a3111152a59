import { describe, expect, it } from 'vitest';
import { detectLayout, parseLine } from '../../../src/audit/layout.js';

const detect = (text: string, ended = true) => detectLayout(Buffer.from(text), ended);

describe('detectLayout', () => {
  it('one record per line when any of the first lines parses alone', () => {
    expect(detect('{"a":1}\n{"b":2}\n')).toBe('lines');
    expect(detect('{"a":1\n{"b":2}\n')).toBe('lines');
    expect(detect('[\n{"a":1},\n{"b":2}\n]\n')).toBe('lines');
    expect(detect('2025-06-01T00:00:00.000Z {"a":1}\n')).toBe('lines');
    expect(detect('not json at all\n')).toBe('lines');
  });

  it('a document when records span lines', () => {
    expect(detect('[\n  {\n    "insertId": "x",\n    "a": 1\n  }\n]\n')).toBe('document');
    expect(detect('{\n  "records": [\n    {"a":\n 1}\n  ]\n}')).toBe('document');
  });

  it('empty, or undecided until more arrives', () => {
    expect(detect(' \n\r\n')).toBe('empty');
    expect(detect(' \n', false)).toBeUndefined();
    expect(detect('{"a":', false)).toBeUndefined();
  });
});

describe('parseLine', () => {
  it('parses objects and arrays, also with a trailing comma or a prefix', () => {
    expect(parseLine('{"a":1}')).toEqual({ a: 1 });
    expect(parseLine('  {"a":1},')).toEqual({ a: 1 });
    expect(parseLine('[{"a":1},')).toEqual({ a: 1 });
    expect(parseLine('2025-06-01T00:00:00Z {"a":1}')).toEqual({ a: 1 });
    expect(parseLine('"text"')).toBeUndefined();
    expect(parseLine('{"a":')).toBeUndefined();
  });
});
