import { METRIC_LABELS } from '@gan/runs';
import { num, sci } from '@gan/training';
import { evaluationLines } from './components/Evaluation.tsx';
import { formatClock } from './format.ts';
import { type DashboardState, elapsedAt, statusOf } from './state.ts';

/**
 * What stays on the terminal once the full-screen dashboard has gone: the final status, steps,
 * time, the last numbers (the article's printed D cost right after the D loss, for a run that
 * logs it), the last evaluation (both wrapped at `width`), and the run's closing message (why it
 * diverged or failed), a few lines.
 *
 * ```
 * smoke: completed at step 3000/3000 in 0:12 (250 steps/s)
 *   D loss 1.2345  G loss 0.6789  D(x) 0.512  D(G(z)) 0.488  lr D 1.00e-3  lr G 1.00e-3
 *   evaluation at step 3000: modes covered 8/8 · class histogram ▇█▇▆█▇▇█ · high quality 91.2%
 * ```
 */
export function summaryLines(state: DashboardState, now: number, width = 100): string[] {
  const status = statusOf(state);
  const total = state.run?.totalSteps ?? 0;
  const rate = state.finished?.stepsPerSec ?? state.rate;
  const speed = rate === null ? '' : ` (${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} steps/s)`;
  const lines = [
    `${state.run?.name ?? 'run'}: ${status} at step ${state.step}/${total} in ${formatClock(elapsedAt(state, now) ?? 0)}${speed}`,
  ];
  const r = state.latest;
  if (r !== null) {
    const { dLoss, dCostPrinted, gLoss, dReal, dFake } = METRIC_LABELS;
    const items = [
      `${dLoss.name} ${num(r.dLoss)}`,
      ...(r.dCostPrinted === undefined ? [] : [`${dCostPrinted.name} ${num(r.dCostPrinted)}`]),
      `${gLoss.name} ${num(r.gLoss)}`,
      `${dReal.name} ${r.dReal.toFixed(3)}`,
      `${dFake.name} ${r.dFake.toFixed(3)}`,
      `lr D ${sci(r.lrD)}`,
      `lr G ${sci(r.lrG)}`,
    ];
    lines.push(...wrapItems('  ', items, '  ', width));
  }
  const ev = state.evaluation;
  if (ev !== null) {
    const items = evaluationLines(ev.result).lines.map(([label, value]) => `${label} ${value}`);
    lines.push(...wrapItems(`  evaluation at step ${ev.step}: `, items, ' · ', width));
  }
  const message = state.finished?.message;
  if (message) {
    const shown = message.split('\n').slice(0, 12);
    lines.push(...shown.map((l) => `  ${l}`));
  }
  return lines;
}

/** `items` after `head`, joined by `sep`, wrapped between items at `width` (continuations indented). */
function wrapItems(head: string, items: readonly string[], sep: string, width: number): string[] {
  const out: string[] = [];
  let line = head;
  for (const [i, item] of items.entries()) {
    if (i > 0 && line.length + sep.length + item.length > width) {
      out.push(line);
      line = `   ${item}`;
    } else line += i === 0 ? item : `${sep}${item}`;
  }
  out.push(line);
  return out;
}
