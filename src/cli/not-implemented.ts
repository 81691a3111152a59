import { CliError } from '../errors.js';

export function notImplemented(command: string): never {
  throw new CliError(`"${command}" is not implemented yet in this version of kubectl-secrets`);
}
