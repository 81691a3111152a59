import { describe, expect, it } from 'vitest';
import { utcTimestamp } from '../../../src/audit/utc-timestamp.js';
import { parseTimestamp } from '../../../src/audit/json-fields.js';
import { mulberry32 } from '../../harness/prng.mjs';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('utcTimestamp', () => {
  it('answers what Date.parse does for every form an API server writes (a day past the month rolls over, as there)', () => {
    const random = mulberry32(7);
    const int = (n: number) => Math.floor(random() * n);
    for (let k = 0; k < 20_000; k++) {
      const base = `${pad(1000 + int(9000), 4)}-${pad(1 + int(12), 2)}-${pad(1 + int(31), 2)}T${pad(int(24), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}`;
      const digits = int(10);
      const fraction = digits === 0 ? '' : `.${Array.from({ length: digits }, () => int(10)).join('')}`;
      const text = `${base}${fraction}Z`;
      expect(utcTimestamp(text), text).toBe(Date.parse(text));
    }
  });

  it('leaves every other form to Date.parse, and parseTimestamp still answers it', () => {
    const others = [
      '2025-02-32T00:00:00Z',
      '2025-06-00T00:00:00Z',
      '2025-06-01T24:00:00Z',
      '2025-06-01T23:59:60Z',
      '2025-13-01T00:00:00Z',
      '2025-06-01T00:00:00.Z',
      '2025-06-01T00:00:00.0123456789Z',
      '0999-06-01T00:00:00Z',
      '2025-06-01T00:00:00+02:00',
      '2025-06-01T00:00:00.5+00:00',
      '2025-06-01t00:00:00Z',
      '2025-06-01 00:00:00Z',
      '2025-06-01T00:00:0aZ',
      '2025-06-01T00:00:00.1a2Z',
      '+02025-06-01T00:00:00Z',
      '2025-06-01',
      'not a time',
    ];
    for (const text of others) {
      expect(utcTimestamp(text), text).toBeUndefined();
      const parsed = Date.parse(text);
      expect(parseTimestamp(text), text).toBe(Number.isNaN(parsed) ? null : parsed);
    }
  });

  it('keeps days apart when timestamps of several days alternate', () => {
    for (const text of [
      '2025-06-01T10:00:00Z',
      '2025-06-02T10:00:00Z',
      '2025-06-01T10:00:00.5Z',
      '2024-02-28T23:59:59.999999Z',
    ])
      expect(utcTimestamp(text), text).toBe(Date.parse(text));
  });
});
