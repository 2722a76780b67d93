/**
 * `pnpm sweep status <sweep>`: a sweep's members with their run folders and where they stand, read
 * from the sweep folder and each member's meta.json (or, with `--queue`, from the queue's jobs,
 * which also holds the progress workers report).
 */
import { join } from 'node:path';
import { readMemberRuns, readMeta, type RunMeta } from '@gan/runs';
import { formatDuration } from '../dashboard/format.ts';
import { num } from '@gan/training';
import { openSweep, memberLabel, type Sweep } from './sweep.ts';
import { statusSummary, type SweepRow, totals } from './view.ts';

/** The rows of a sweep from its folder: one meta.json read per member that has a run. */
export async function folderRows(sweep: Sweep): Promise<SweepRow[]> {
  const runs = await readMemberRuns(sweep.dir);
  const decided = new Set(sweep.meta.stages.flatMap((s) => s.members ?? []));
  return Promise.all(
    sweep.members.map(async (m): Promise<SweepRow> => {
      const run = runs.get(m.index) ?? null;
      let meta: RunMeta | null = null;
      if (run !== null) meta = await readMeta(join(sweep.experimentsDir, run)).catch(() => null);
      const ev = meta?.latestEval ?? null;
      const n = (k: string) => (typeof ev?.[k] === 'number' ? (ev[k] as number) : null);
      return {
        index: m.index,
        label: memberLabel(sweep, m),
        status: meta?.status ?? (decided.has(m.index) ? 'queued' : 'waiting'),
        step: meta?.step ?? null,
        total: meta?.totalSteps ?? null,
        stepsPerSec: meta?.stepsPerSec ?? null,
        etaSec:
          meta?.status === 'running' && meta.stepsPerSec
            ? (meta.totalSteps - meta.step) / meta.stepsPerSec
            : null,
        dLoss: null,
        dCostPrinted: null,
        gLoss: null,
        dReal: null,
        dFake: null,
        modes: n('modesCovered'),
        fd: n('frechetDistance'),
        run,
        note: meta?.status === 'failed' ? (meta.error ?? '').split('\n')[0] : null,
      };
    }),
  );
}

/** The member table as text. */
export function formatRows(rows: readonly SweepRow[]): string {
  const head = ['#', 'member', 'status', 'step', 'steps/s', 'ETA', 'modes', 'FD', 'run'];
  const cells = rows.map((r) => [
    String(r.index),
    r.label,
    r.status,
    r.step === null ? '-' : `${r.step}${r.total !== null ? `/${r.total}` : ''}`,
    r.stepsPerSec === null ? '-' : r.stepsPerSec.toFixed(1),
    r.etaSec === null ? '-' : formatDuration(r.etaSec),
    r.modes === null ? '-' : String(r.modes),
    r.fd === null ? '-' : num(r.fd),
    r.run ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === 1 || i === 2 || i === 8 ? x.padEnd(widths[i]) : x.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Prints a sweep's members; returns the exit status. */
export async function sweepStatus(
  experimentsDir: string,
  ref: string,
  options: { queue?: string; json?: boolean },
): Promise<number> {
  const sweep = openSweep(experimentsDir, ref);
  let rows: SweepRow[];
  if (options.queue !== undefined) {
    const { queueRows } = await import('./queue-follower.ts');
    rows = await queueRows(sweep, options.queue);
  } else rows = await folderRows(sweep);
  const t = totals(rows, 1);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ id: sweep.meta.id, dir: sweep.dir, totals: t, members: rows }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(
    `sweep ${sweep.meta.id} (${sweep.meta.source}): ${rows.length} members: ${statusSummary(t.byStatus)}\n`,
  );
  process.stdout.write(`${formatRows(rows)}\n`);
  return 0;
}
