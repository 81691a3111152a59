// Every command's --help ends with a kubectl-style Examples section; the
// examples themselves run against the demo scenario in test/e2e/examples.test.ts.
import { describe, expect, it } from 'vitest';
import { commandName } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands.js';
import { runCli } from '../../harness/runCli.js';

const visible = COMMANDS.filter((c) => !c.hidden);

describe.each(visible.map((c) => [commandName(c), c] as const))('%s --help', (name, spec) => {
  it('has an Examples section listing every example, as `kubectl secrets ...`', async () => {
    const help = await runCli([name, '--help']);
    expect(help.code).toBe(0);
    expect(spec.examples?.length ?? 0).toBeGreaterThan(1);
    expect(help.stdout).toContain('\nExamples:\n');
    for (const example of spec.examples ?? []) {
      const shown = example.command.replace(/\$0/g, 'kubectl secrets');
      expect(help.stdout).toContain(`  # ${example.describe}\n  ${shown}\n`);
    }
  });
});
