import { main } from './cli/app.js';
import { COMMANDS } from './cli/commands.js';
import { processIO } from './cli/io.js';

// The entry point of the bundle and the single binary.
const args = process.argv.slice(2);
main(args, processIO(), COMMANDS).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
