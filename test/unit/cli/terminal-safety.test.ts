// Issue 14 item 7: strings from audit logs (user names, user agents, file
// names) never drive the terminal. Table and wide output, warning: and error:
// lines show control characters escaped; -o json and -o yaml keep them exact.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/runCli.js';
import { CONTROL_CHARS } from '../../harness/terminal.js';
import { auditEventLine } from './audit-event.js';
import { escapeTerminal } from '../../../src/output/terminal.js';

// ESC-based CSI (clear screen), OSC 0 (window title) ended by BEL, OSC 8 (hyperlink) ended by ST,
// an 8-bit CSI (U+009B), a carriage return and a backspace.
const EVIL_USER = 'mallory\u001b[2J\u001b]0;owned\u0007\r\b\u009b31m';
const EVIL_AGENT = 'curl\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\';

function evilLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'terminal-safety-'));
  // The file name carries an escape too: warnings name it.
  const file = join(dir, 'audit\u001b]0;t\u0007.log');
  const good = auditEventLine({ id: 'a1', user: EVIL_USER, agent: EVIL_AGENT });
  writeFileSync(file, `${good}\n${good.replace('"a1"', '"a2"').slice(0, -60)}\n`);
  return file;
}

describe('control characters from audit logs', () => {
  const file = evilLog();

  for (const by of ['subject', 'user-agent', 'source', 'secret', 'verb']) {
    for (const output of ['table', 'wide', 'name']) {
      it(`are escaped in --by ${by} -o ${output}, and in warning lines`, async () => {
        const r = await runCli(['audit', '--log', file, '--by', by, '-o', output], {
          tty: true,
          env: { NO_COLOR: undefined },
        });
        expect(r.code).not.toBe(1);
        expect(r.stdout).not.toMatch(CONTROL_CHARS);
        expect(r.stderr).not.toMatch(CONTROL_CHARS);
        expect(r.stderr).toMatch(/^warning: .*audit\^\[\]0;t\^G\.log/m);
        if (by === 'subject' && output !== 'name')
          expect(r.stdout).toContain('mallory^[[2J^[]0;owned^G\\r^H\\u009b31m');
        if (by === 'user-agent' && output === 'wide')
          expect(r.stdout).toContain('curl^[]8;;https://evil.example/^[\\click');
      });
    }
  }

  it('keeps colour on a terminal: only the tool itself writes escape sequences', async () => {
    const r = await runCli(['audit', '--log', file, '--denied-only'], { tty: true, env: { NO_COLOR: undefined } });
    expect(r.stdout + r.stderr).not.toMatch(CONTROL_CHARS);
  });

  it('keeps the exact strings in -o json', async () => {
    const r = await runCli(['audit', '--log', file, '-o', 'json']);
    expect(r.stdout).not.toMatch(CONTROL_CHARS);
    const doc = JSON.parse(r.stdout);
    expect(doc.items[0].subject.user).toBe(EVIL_USER);
    expect(doc.items[0].userAgents).toEqual([EVIL_AGENT]);
    expect(doc.metadata.inputs[0].path).toBe(file);
  });

  it('keeps the exact strings in -o yaml', async () => {
    const r = await runCli(['audit', '--log', file, '-o', 'yaml', '--by', 'user-agent']);
    expect(r.stdout).not.toMatch(CONTROL_CHARS);
    const doc = yaml.load(r.stdout) as any;
    expect(doc.items[0].key).toBe(EVIL_AGENT);
    expect(doc.items[0].subjects).toEqual([EVIL_USER]);
  });

  it('are escaped in error: lines', async () => {
    const r = await runCli(['audit', '--log', '/nonexistent/\u001b[2Jx\u009b.log']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*\/nonexistent\/\^\[\[2Jx\\u009b\.log/m);
    expect(r.stderr).not.toMatch(CONTROL_CHARS);
  });

  it('are escaped in usage errors that echo the command line', async () => {
    const r = await runCli(['audit', '--log', 'x', '--bogus\u001b[2J']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(CONTROL_CHARS);
  });
});

describe('invisible and reordering characters from audit logs', () => {
  // A right-to-left override makes "kubectl" read as something else; zero-width characters and the byte-order
  // mark make two different user agents or users look the same in a table.
  const SPOOFED_AGENT = 'kubectl/v1.37 \u202egnp.exe\u202c\u200b\u200d\u2060\ufeff';
  const SPOOFED_USER = 'alice\u200b';

  function spoofedLog(): string {
    const file = join(mkdtempSync(join(tmpdir(), 'terminal-safety-')), 'audit.log');
    writeFileSync(file, `${auditEventLine({ id: 'b1', user: SPOOFED_USER, agent: SPOOFED_AGENT })}\n`);
    return file;
  }

  it('are shown escaped in tables', async () => {
    const file = spoofedLog();
    const wide = await runCli(['audit', '--log', file, '--by', 'user-agent', '-o', 'wide']);
    expect(wide.stdout).toContain('kubectl/v1.37 \\u202egnp.exe\\u202c\\u200b\\u200d\\u2060\\ufeff');
    const table = await runCli(['audit', '--log', file]);
    expect(table.stdout).toContain('alice\\u200b');
    expect(wide.stdout + table.stdout).not.toMatch(
      /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/,
    );
  });

  it('are shown escaped in tables whatever invisible character they are (every default-ignorable code point)', async () => {
    // Tag characters (U+E0000 block: "ASCII smuggling"), the Mongolian vowel separator, the deprecated format
    // controls, the combining grapheme joiner, a variation selector and a Hangul filler show as nothing too.
    const hidden = 'alice\u{e0041}\u{e0062}\u180e\u206a\u034f\ufe0f\u3164';
    const file = join(mkdtempSync(join(tmpdir(), 'terminal-safety-')), 'audit.log');
    writeFileSync(file, `${auditEventLine({ id: 'c1', user: hidden, agent: `kubectl${hidden}` })}\n`);
    const table = await runCli(['audit', '--log', file]);
    const wide = await runCli(['audit', '--log', file, '--by', 'user-agent', '-o', 'wide']);
    expect(table.stdout).toContain('alice\\u{e0041}\\u{e0062}\\u180e\\u206a\\u034f\\ufe0f\\u3164');
    expect(table.stdout + wide.stdout).not.toMatch(/\p{Default_Ignorable_Code_Point}/u);
    const json = JSON.parse((await runCli(['audit', '--log', file, '-o', 'json'])).stdout);
    expect(json.items[0].subject.user).toBe(hidden);
  });

  it('keep the exact strings in -o json', async () => {
    const r = await runCli(['audit', '--log', spoofedLog(), '-o', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.items[0].subject.user).toBe(SPOOFED_USER);
    expect(doc.items[0].userAgents).toEqual([SPOOFED_AGENT]);
  });
});

describe('escapeTerminal', () => {
  it('keeps every JSON document parsing to the same strings', () => {
    const all = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
    const text = JSON.stringify({ all, nested: [all] });
    expect(escapeTerminal(text)).not.toMatch(CONTROL_CHARS);
    expect(JSON.parse(escapeTerminal(text))).toEqual({ all, nested: [all] });
  });

  it('writes ESC and CR as kubectl does, and leaves newlines and tabs to the caller', () => {
    expect(escapeTerminal('a\u001b[1mb\rc\n\td\u0007')).toBe('a^[[1mb\\rc\n\td^G');
  });
});
