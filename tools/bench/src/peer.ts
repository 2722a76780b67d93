import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'py', 'numpy_gan.py');

let available: string | null | undefined;

/** numpy's version when `python3 -c "import numpy"` works, else null (the peer columns say n/a). */
export function numpyVersion(): string | null {
  if (available === undefined) {
    const r = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
    available = r.status === 0 ? r.stdout.trim() : null;
  }
  return available;
}

/** Runs the numpy peer with the given arguments and returns its JSON answer, or null without numpy. */
export function runPeer(args: string[]): Record<string, unknown> | null {
  if (numpyVersion() === null) return null;
  const r = spawnSync('python3', [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`numpy peer failed (${args.join(' ')}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
}
