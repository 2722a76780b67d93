import { relative } from 'node:path';
import { fixed, formatEvalLine, sci } from '@gan/training';
import type { RunEvent } from '../run/events.ts';

/**
 * Plain, greppable progress lines for pipes, CI and `--no-dashboard`: one `step` line every
 * `printEvery` steps and one line per notable event, all `key=value`, one key per metrics column:
 * `d_loss=` is always the loss D descends, and a run that logs the cost the article's code prints
 * (`dCostPrinted`, see @gan/runs columns.ts) has it as `d_cost_printed=`, right after.
 *
 * ```
 * step=300/300 d_loss=1.3785 d_cost_printed=-0.0129 g_loss=0.6932 d_real=0.504 d_fake=0.500 ...
 * ```
 */
export function plainLogger(
  printEvery: number,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
) {
  let total = 0;
  return (event: RunEvent): void => {
    switch (event.type) {
      case 'started': {
        total = event.totalSteps;
        write(
          `started name=${event.name} run=${relative(process.cwd(), event.runDir) || '.'} seed=${event.seed} ` +
            `steps=${event.startStep}/${event.totalSteps} backend=${event.backend} ` +
            `${event.variant === null ? '' : `variant=${event.variant} `}` +
            `${event.precision === 'float32' ? '' : `precision=${event.precision} `}` +
            `${event.stream === 'xoshiro' ? '' : `stream=${event.stream} `}` +
            `params_g=${event.params.generator} params_d=${event.params.discriminator}`,
        );
        return;
      }
      case 'metrics': {
        const r = event.row;
        const losses = r.dLoss + (r.dCostPrinted ?? 0) + r.gLoss;
        if (r.step % printEvery !== 0 && r.step !== total && Number.isFinite(losses)) return;
        const printed = r.dCostPrinted === undefined ? '' : ` d_cost_printed=${fixed(r.dCostPrinted, 4)}`;
        write(
          `step=${r.step}/${total} d_loss=${fixed(r.dLoss, 4)}${printed} g_loss=${fixed(r.gLoss, 4)} d_real=${fixed(r.dReal, 3)} ` +
            `d_fake=${fixed(r.dFake, 3)} lr_d=${sci(r.lrD, 1)} lr_g=${sci(r.lrG, 1)} ` +
            `steps_per_s=${event.stepsPerSec.toFixed(1)} elapsed_s=${event.elapsed.toFixed(1)}`,
        );
        return;
      }
      case 'samples':
        write(`samples step=${event.step} path=${relative(process.cwd(), event.path)}`);
        return;
      case 'checkpoint':
        write(`checkpoint step=${event.step} path=${relative(process.cwd(), event.path)}`);
        return;
      case 'eval':
        write(formatEvalLine(event.step, event.result));
        return;
      case 'message':
        write(`${event.tone === 'warn' ? 'warning' : 'note'} step=${event.step} ${event.text}`);
        return;
      case 'paused':
        write(`${event.paused ? 'paused' : 'resumed'} step=${event.step}`);
        return;
      case 'finished':
        write(
          `finished status=${event.status} step=${event.step}` +
            (event.stepsPerSec !== null ? ` steps_per_s=${event.stepsPerSec.toFixed(1)}` : '') +
            (event.message ? ` message=${JSON.stringify(event.message.split('\n')[0])}` : ''),
        );
        return;
    }
  };
}
