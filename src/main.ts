import { main } from './cli/app.js';
import { COMMANDS } from './cli/commands.js';
import { exitWhenFlushed } from './cli/exit.js';
import { listenForInterrupts } from './cli/interrupt.js';
import { processIO } from './cli/io.js';
import { errorMessage } from './errors.js';

// The entry point of the bundle and the single binary.
const args = process.argv.slice(2);
// A signal ends the process at once (nothing half-printed), unless the command takes over (rotate).
const interrupts = listenForInterrupts(process, (code) => process.exit(code));
// A reader that goes away (`| head`) ends the process quietly, as SIGPIPE ends kubectl (128 + 13); a
// command that stops only at safe points (rotate) goes on without its output.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') {
    if (!interrupts.takenOver) process.exit(141);
    return;
  }
  process.stderr.write(`error: cannot write the output: ${errorMessage(err)}\n`);
  process.exit(1);
});
// The command is over when main settles: the process ends once its output has left (./cli/exit.ts).
main(args, processIO(), COMMANDS, interrupts).then(
  (code) => {
    interrupts.dispose();
    process.exitCode = code;
    exitWhenFlushed(code, [process.stdout, process.stderr]);
  },
  (err: unknown) => {
    interrupts.dispose();
    process.stderr.write(`error: internal error: ${errorMessage(err)}\n`);
    process.exitCode = 1;
    exitWhenFlushed(1, [process.stdout, process.stderr]);
  },
);
