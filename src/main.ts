import { main } from './cli/app.js';
import { COMMANDS } from './cli/commands.js';
import { listenForInterrupts } from './cli/interrupt.js';
import { processIO } from './cli/io.js';
import { errorMessage } from './errors.js';

// The entry point of the bundle and the single binary.
const args = process.argv.slice(2);
// A signal ends the process at once (nothing half-printed), unless the command takes over (rotate).
const interrupts = listenForInterrupts(process, (code) => process.exit(code));
main(args, processIO(), COMMANDS, interrupts).then(
  (code) => {
    interrupts.dispose();
    process.exitCode = code;
  },
  (err: unknown) => {
    interrupts.dispose();
    process.stderr.write(`error: internal error: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
