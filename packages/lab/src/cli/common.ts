/** What the command-line programs share: how they give up, and the `--backend` flag. */
import { BACKEND_KINDS, type BackendKind } from '@gan/training';

/** Prints `message` to stderr and exits (2: bad command line or config, unless told otherwise). */
export function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The value of `--backend`, or a clear exit naming the command and the accepted values. */
export function backendFlag(command: string, value: string | undefined): BackendKind {
  if (!BACKEND_KINDS.includes(value as BackendKind))
    fail(`${command}: --backend must be one of ${BACKEND_KINDS.join(', ')}, got ${value}`);
  return value as BackendKind;
}
