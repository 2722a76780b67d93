/** What the command-line programs share: how they give up, and the `--backend` flag. */
import { type NativeLoadOptions, selectBackend } from '@gan/tensor';
import { BACKEND_KINDS, type BackendKind } from '@gan/training';

/** Prints `message` to stderr and exits (2: bad command line or config, unless told otherwise). */
export function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * The value of `--backend`, or a clear exit naming the command and the accepted values. A native
 * backend is loaded here already, so that one this machine cannot use (a variant whose CPU
 * features this CPU lacks, or one not built) is refused before anything is written, naming the
 * flag, the variant and what is missing; the training threads then load it for themselves.
 */
export function backendFlag(command: string, value: string | undefined): BackendKind {
  const problem = backendFlagProblem(command, value);
  if (problem !== null) fail(problem);
  return value as BackendKind;
}

/**
 * What is wrong with `--backend <value>` on this machine, as {@link backendFlag} says it, or null.
 * `auto` and `reference` always work; `options` is the native loader's test hook, which hides CPU
 * features to simulate an older CPU.
 *
 * ```ts
 * backendFlagProblem('pnpm exp', 'native:avx512', { hideCpuFeatures: ['avx512f'] });
 * // "pnpm exp: --backend native:avx512: native variant 'avx512' refused: this CPU lacks avx512f (hidden by ...)..."
 * ```
 */
export function backendFlagProblem(
  command: string,
  value: string | undefined,
  options: NativeLoadOptions = {},
): string | null {
  if (!BACKEND_KINDS.includes(value as BackendKind))
    return `${command}: --backend must be one of ${BACKEND_KINDS.join(', ')}, got ${value}`;
  const kind = value as BackendKind;
  if (kind === 'auto' || kind === 'reference') return null;
  try {
    selectBackend(kind, options);
    return null;
  } catch (e) {
    return `${command}: --backend ${kind}: ${(e as Error).message}`;
  }
}
