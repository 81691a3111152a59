import { main } from './cli/app.js';
import { COMMANDS } from './cli/commands.js';
import { processIO } from './cli/io.js';
import { errorMessage } from './errors.js';

// The entry point of the bundle and the single binary.
const args = process.argv.slice(2);
main(args, processIO(), COMMANDS).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: internal error: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
