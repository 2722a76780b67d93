/**
 * The precision study's table: for each config, this project's run (float32) and the article's
 * code replayed in numpy float32 and float64 on the same inputs, as mean ± sd over the seeds.
 *
 *   pnpm -s tsx tools/parity/src/precision-table.ts <study folder>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@gan/training/config';
import {
  configPath,
  currentMetricsRow,
  logsPrintedCost,
  metricsPath,
  readJsonlSync,
  userPath,
} from '@gan/runs';

interface Outcome {
  divergedAt: number | null;
  dRealLast: number;
  dFakeLast: number;
  eval: Record<string, number | number[]>;
}

interface StudyRun {
  config: string;
  seed: number;
  steps: number;
  runDir: string;
  ours: Outcome;
  float32: Outcome;
  float64: Outcome;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

function fmt(xs: number[], digits = 3): string {
  const finite = xs.filter(Number.isFinite);
  if (finite.length === 0) return '-';
  const m = mean(finite).toPrecision(digits);
  return finite.length < 2 ? m : `${m} ± ${sd(finite).toPrecision(2)}`;
}

/**
 * This project's own run: D(x) and D(G(z)) over its last 1,000 logged steps, and where it
 * diverged: its first non-finite printed D cost (`dCostPrinted`, the numpy replays' `D_cost`; a
 * run logged before that column existed held it in `dLoss`, read through `currentMetricsRow`).
 */
function oursFromMetrics(run: StudyRun): Outcome {
  const { config } = loadConfig(configPath(run.runDir), [], { recordedRun: true });
  if (!logsPrintedCost(config))
    throw new Error(`${run.runDir}: its config does not log the printed D cost the replays are compared on`);
  const rows = readJsonlSync(metricsPath(run.runDir)).rows.map(
    (r) => currentMetricsRow(r, true) as { step: number; dReal: number; dFake: number; dCostPrinted: number },
  );
  const bad = rows.find((r) => !Number.isFinite(r.dCostPrinted));
  const last = rows.filter((r) => r.step > run.steps - 1000 && Number.isFinite(r.dCostPrinted));
  return {
    divergedAt: bad?.step ?? null,
    dRealLast: mean(last.map((r) => r.dReal)),
    dFakeLast: mean(last.map((r) => r.dFake)),
    eval: run.ours.eval,
  };
}

function dominantClass(e: Record<string, number | number[]>, key: string): string {
  const h = e[key];
  if (!Array.isArray(h)) return '-';
  const top = h.indexOf(Math.max(...h));
  return `${top} (${Math.round(h[top] * 100)} %)`;
}

function main(): void {
  const dir = userPath(process.argv[2] ?? '.');
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as StudyRun)
    .sort((a, b) => a.config.localeCompare(b.config) || a.seed - b.seed);
  const configs = [...new Set(runs.map((r) => r.config))];
  const out: string[] = [
    '| config | computed by | n | diverged | D(x), last 1,000 steps | D(G(z)), last 1,000 steps | modes | FD | modes (display) | top class (display) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const config of configs) {
    const group = runs.filter((r) => r.config === config);
    for (const [label, pick] of [
      ['this project (float32)', oursFromMetrics],
      ['numpy float32', (r: StudyRun) => r.float32],
      ['numpy float64', (r: StudyRun) => r.float64],
    ] as const) {
      const o = group.map(pick);
      const num = (k: string) => o.map((x) => x.eval[k] as number);
      const tops = [...new Set(o.map((x) => dominantClass(x.eval, 'display.classHistogram')))].join(', ');
      out.push(
        `| ${config} | ${label} | ${o.length} | ${o.filter((x) => x.divergedAt !== null).length} | ` +
          `${fmt(
            o.map((x) => x.dRealLast),
            4,
          )} | ${fmt(o.map((x) => x.dFakeLast))} | ${fmt(num('modesCovered'), 2)} | ` +
          `${fmt(num('frechetDistance'), 4)} | ${fmt(num('display.modesCovered'), 2)} | ${tops} |`,
      );
    }
  }
  process.stdout.write(
    `${out.join('\n')}\n\nseeds: ${[...new Set(runs.map((r) => r.seed))].join(', ')}; steps: ${[...new Set(runs.map((r) => r.steps))].join(', ')}\n`,
  );
}

main();
