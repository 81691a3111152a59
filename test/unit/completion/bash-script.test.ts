// The bash completion script run by bash itself: candidates come from the kubeconfig (context, cluster and user
// names anyone may have written) and the cluster, and must reach COMPREPLY as text, never as shell code.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCobra } from '../../../src/completion/complete.js';
import { COMPLETION_SCRIPTS } from '../../../src/completion/scripts.js';

/**
 * COMPREPLY after a TAB on `words`, with a kubectl-secrets on PATH that answers `candidates`. `line` is the command
 * line as typed when bash split it into `words` at its COMP_WORDBREAKS (`--context=a` is `--context`, `=`, `a`).
 */
function complete(
  words: string[],
  candidates: string[],
  directive = 4,
  line = ['kubectl-secrets', ...words].join(' '),
): { reply: string[]; dir: string; asked: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bash-completion-'));
  const answer = join(dir, 'answer');
  writeFileSync(answer, `${[...candidates, `:${directive}`].join('\n')}\n`);
  const fake = join(dir, 'kubectl-secrets');
  writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > '${dir}/asked'\ncat '${answer}'\n`);
  chmodSync(fake, 0o755);
  const script = join(dir, 'completion.bash');
  writeFileSync(script, COMPLETION_SCRIPTS.bash);
  const words_ = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `cd '${dir}'; source '${script}'; COMP_WORDS=(kubectl-secrets ${words_}); COMP_CWORD=${words.length}; COMP_LINE=$LINE; COMP_POINT=\${#COMP_LINE}; _kubectl_secrets; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { env: { PATH: `${dir}:/usr/bin:/bin`, LINE: line }, encoding: 'utf8' },
  );
  const asked = existsSync(join(dir, 'asked')) ? readFileSync(join(dir, 'asked'), 'utf8').split('\n').slice(1, -1) : [];
  return { reply: out.split('\n').filter((l) => l !== ''), dir, asked };
}

describe('bash completion script', () => {
  it('offers a candidate holding $(...), backquotes or a glob as text, and runs nothing', () => {
    const hostile = ['prod$(touch pwned)', 'dev`touch pwned2`', 'stage*', 'prod-eu'];
    const { reply, dir } = complete(['who-can', '--context', 'pr'], hostile);
    // (quoted as bash's printf %q quotes, for the command line)
    expect(reply).toEqual(['prod\\$\\(touch\\ pwned\\)', 'prod-eu']);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'pwned2'))).toBe(false);
  });

  it('inserts such a candidate quoted: the command line it completes runs no $(...) when Enter is pressed', () => {
    const { reply, dir } = complete(['who-can', '--context', 'pr'], ['prod$(touch pwned)']);
    expect(reply).toHaveLength(1);
    // the completed line, run as bash would run it once Enter is pressed
    const words = execFileSync('bash', ['-c', `cd '${dir}'; printf '%s\\n' ${reply[0]}`], { encoding: 'utf8' });
    expect(words).toBe('prod$(touch pwned)\n');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('filters by the word typed as text, and offers every candidate for an empty word', () => {
    expect(complete(['who-can', '--context', 'stage*'], ['stage*', 'stage-1']).reply).toEqual(['stage\\*']);
    expect(complete(['who-can', '--context', ''], ['a', 'b c']).reply).toEqual(['a', 'b\\ c']);
  });
});

describe('bash completion script: words bash splits at COMP_WORDBREAKS (= : @)', () => {
  it('asks for the words as typed, and replies with what bash replaces: the text after the last break', () => {
    // EKS context names: TAB after the common prefix of two of them
    const arn = 'arn:aws:eks:eu-west-1:111:cluster/';
    const contexts = [`${arn}prod`, `${arn}stage`, 'kubernetes-admin@kubernetes'];
    const split = [
      'who-can',
      '--context',
      'arn',
      ':',
      'aws',
      ':',
      'eks',
      ':',
      'eu-west-1',
      ':',
      '111',
      ':',
      'cluster/',
    ];
    const eks = complete(split, contexts, 4, `kubectl-secrets who-can --context ${arn}`);
    expect(eks.asked).toEqual(['who-can', '--context', arn]);
    expect(eks.reply).toEqual(['cluster/prod', 'cluster/stage']);

    const at = complete(
      ['who-can', '--context', 'kubernetes-admin', '@', 'k'],
      contexts,
      4,
      'kubectl-secrets who-can --context kubernetes-admin@k',
    );
    expect(at.asked).toEqual(['who-can', '--context', 'kubernetes-admin@k']);
    // readline replaces an @ with the text after it
    expect(at.reply).toEqual(['@kubernetes']);
    const atOnly = complete(
      ['who-can', '--context', 'kubernetes-admin', '@'],
      contexts,
      4,
      'kubectl-secrets who-can --context kubernetes-admin@',
    );
    expect(atOnly.reply).toEqual(['@kubernetes']);
  });

  it('--flag=<TAB> and --flag=VALUE <TAB>', () => {
    const eq = complete(
      ['who-can', '--namespace', '='],
      ['--namespace=shop'],
      4,
      'kubectl-secrets who-can --namespace=',
    );
    expect(eq.asked).toEqual(['who-can', '--namespace=']);
    expect(eq.reply).toEqual(['shop']);
    const after = complete(
      ['who-can', '--namespace', '=', 'shop', ''],
      ['db'],
      4,
      'kubectl-secrets who-can --namespace=shop ',
    );
    expect(after.asked).toEqual(['who-can', '--namespace=shop', '']);
    expect(after.reply).toEqual(['db']);
  });
});

describe('formatCobra', () => {
  it('leaves out candidates with control characters: they drive the terminal, and a line break splits one in two', () => {
    const names = ['prod', 'ev\u001b[31mil', 'two\nlines', 'tab\there', 'c1\u009b2J', 'del\u007f', 'ünïcode'];
    expect(formatCobra(names, '', false)).toBe('prod\nünïcode\n:4\n');
  });
});
