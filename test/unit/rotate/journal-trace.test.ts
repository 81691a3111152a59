import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ANNOTATION_JOURNAL } from '../../../src/rotate/constants.js';
import { parseJournal, serializeJournal } from '../../../src/rotate/journal.js';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, trace, type Trace } from './journal-trace.js';

// Captured from the runner as it was before the lifecycle moved into one place (main 506aee7):
// the same scenarios must write the same journals, in the same order, with the same events.
const FIXTURE = new URL('./fixtures/journal-trace.json', import.meta.url);

describe('the journals a rotation writes (golden trace)', () => {
  const golden: Record<string, Trace> = existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : {};

  it.each(Object.keys(SCENARIOS))('%s', async (name) => {
    const got = await trace(SCENARIOS[name]!);
    if (process.env.UPDATE_JOURNAL_TRACE) {
      golden[name] = got;
      writeFileSync(FIXTURE, `${JSON.stringify(golden, null, 2)}\n`);
    }
    expect(got).toEqual(golden[name]);
  });
});

describe('journals written before the lifecycle moved into one place', () => {
  const golden: Record<string, Trace> = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const journals = Object.values(golden).flatMap((t) =>
    t.written.flatMap((w) => {
      const body = JSON.parse(w) as {
        annotations?: Record<string, string>;
        metadata?: { annotations?: Record<string, string> };
      };
      const text = (body.metadata?.annotations ?? body.annotations)?.[ANNOTATION_JOURNAL];
      return text ? [text] : [];
    }),
  );

  it('are read, and written back byte for byte', () => {
    expect(journals.length).toBeGreaterThan(100);
    for (const text of journals) {
      const j = parseJournal(text);
      expect(j, text).toBeDefined();
      expect(serializeJournal(j!)).toBe(text);
    }
  });

  it('cover every state and every step action', () => {
    const parsed = journals.map((t) => parseJournal(t)!);
    expect(new Set(parsed.map((j) => j.state))).toEqual(
      new Set(['running', 'rolling-back', 'done', 'rolled-back', 'aborted']),
    );
    expect(new Set(parsed.flatMap((j) => j.steps.map((s) => s.action))).size).toBe(15);
  });
});
