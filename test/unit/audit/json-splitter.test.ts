import { describe, expect, it } from 'vitest';
import { JsonSplitter } from '../../../src/audit/json-splitter.js';

function split(text: string | Buffer, chunkBytes: number, maxRecordBytes = 1 << 20) {
  const events: string[] = [];
  const splitter = new JsonSplitter(
    {
      value: (buf, s, e, hit, line) => events.push(`${line}${hit === -1 ? '' : '*'}:${buf.toString('utf8', s, e)}`),
      huge: (line) => events.push(`${line}:HUGE`),
      malformed: (line) => events.push(`${line}:MALFORMED`),
      incomplete: (line) => events.push(`${line}:INCOMPLETE`),
    },
    maxRecordBytes,
  );
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    const chunk = Buffer.from(bytes.subarray(at, at + chunkBytes));
    splitter.push(chunk);
    chunk.fill(0x20);
  }
  splitter.end();
  return { events, lines: splitter.lines };
}

const SIZES = [1, 2, 5, 13, 4096];

describe('JsonSplitter', () => {
  it('yields the elements of a top-level array, pretty-printed', () => {
    const text = `${JSON.stringify([{ a: 1, s: 'x"}]{[\\' }, { b: 'secrets' }, [1, 2]], null, 2)}\n`;
    for (const size of SIZES) {
      const { events, lines } = split(text, size);
      expect(events.map((e) => e.replace(/\s+/g, ''))).toEqual([
        '2:{"a":1,"s":"x\\"}]{[\\\\"}',
        '6*:{"b":"secrets"}',
        '9:[1,2]',
      ]);
      expect(lines).toBe(text.split('\n').length - 1);
    }
  });

  it('yields the records of a wrapper object and ignores the wrapper', () => {
    for (const key of ['records', 'events', 'logEvents', 'items']) {
      const text = `{"kind":"X","${key}":[{"n":1},{"n":2}],"next":[{"n":3}],"tail":{"n":4}}`;
      for (const size of SIZES) expect(split(text, size).events).toEqual(['1:{"n":1}', '1:{"n":2}']);
    }
  });

  it('yields a single object, and concatenated ones, whole', () => {
    const text = '{\n  "category": "kube-audit",\n  "properties": {"log": "{\\"records\\":[1]}"}\n}\n{"n":2} {"n":3}';
    for (const size of SIZES) {
      expect(split(text, size).events).toEqual([
        '1:{\n  "category": "kube-audit",\n  "properties": {"log": "{\\"records\\":[1]}"}\n}',
        '5:{"n":2}',
        '5:{"n":3}',
      ]);
    }
  });

  it('treats a key named records whose value is not an array as an ordinary key', () => {
    expect(split('{"records":5,"x":[1]}', 3).events).toEqual(['1:{"records":5,"x":[1]}']);
  });

  it('skips records over the cap without keeping them, reports junk and an unfinished record', () => {
    const text = `[{"a":"${'x'.repeat(100)}"},{"b":1}]\nnot json\n{"c":`;
    for (const size of [3, 4096]) {
      expect(split(text, size, 50).events).toEqual(['1:HUGE', '1:{"b":1}', '2:MALFORMED', '3:INCOMPLETE']);
    }
  });

  it('an unclosed record on a last line that has its newline is malformed; one that spans lines is unfinished', () => {
    for (const size of SIZES) {
      // a whole line: its records before the damage still count
      expect(split('{"records":[{"a":1},{"b":"x\n', size)).toEqual({ events: ['1:{"a":1}', '1:MALFORMED'], lines: 1 });
      expect(split('{"kind":"Event","a":{"b":1}\n', size).events).toEqual(['1:MALFORMED']);
      // a pretty-printed document cut where a line ends, or a line cut short: may be still being written
      expect(split('[\n  {\n    "a": 1,\n', size).events).toEqual(['2:INCOMPLETE']);
      expect(split('{"kind":"Event","a":{"b":1}', size).events).toEqual(['1:INCOMPLETE']);
    }
  });

  it('a pretty-printed document cut just after a record opens (its bracket alone on the last line) is unfinished', () => {
    for (const size of SIZES) {
      expect(split('[\n  {"a": 1},\n  {\n', size).events).toEqual(['2:{"a": 1}', '3:INCOMPLETE']);
      expect(split('{"records": [\n  [\t\n', size).events).toEqual(['2:INCOMPLETE']);
    }
  });
});
