import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunMeta, readMetaSync } from '@gan/runs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXP = join(ROOT, 'packages', 'lab', 'src', 'cli', 'exp.ts');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `pnpm exp` as a separate process into a temporary experiments folder and returns the run's
 * meta.json. With `tty`, the process runs under a pseudo-terminal (`script`), so it shows the live
 * dashboard exactly as for a user.
 */
export function runExp(args: string[], opts: { tty: boolean; columns?: number; rows?: number }): RunMeta {
  const dir = mkdtempSync(join(tmpdir(), 'bench-exp-'));
  try {
    const cmd = [TSX, EXP, ...args, '--experiments', dir, ...(opts.tty ? [] : ['--no-dashboard'])];
    const r = opts.tty
      ? spawnSync('script', ['-qfec', cmd.map(quote).join(' '), '/dev/null'], {
          cwd: ROOT,
          env: {
            ...process.env,
            COLUMNS: String(opts.columns ?? 120),
            LINES: String(opts.rows ?? 40),
            TERM: 'xterm-256color',
          },
          encoding: 'utf8',
          maxBuffer: 256 << 20,
        })
      : spawnSync(cmd[0], cmd.slice(1), { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0)
      throw new Error(
        `pnpm exp ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout.slice(-2000)}`,
      );
    const [name] = readdirSync(dir);
    const [runId] = readdirSync(join(dir, name));
    return readMetaSync(join(dir, name, runId));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median of a list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
