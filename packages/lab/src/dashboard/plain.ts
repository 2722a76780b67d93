import { relative } from 'node:path';
import { fixed, formatEvalLine, sci } from '@gan/training';
import type { RunEvent } from '../run/events.ts';

/**
 * Plain, greppable progress lines for pipes, CI and `--no-dashboard`: one `step` line every
 * `printEvery` steps and one line per notable event, all `key=value`.
 *
 * A run with `loss.reportedDiscriminatorCost: article-printed` logs the cost the article's code
 * prints, -log D(x) + log(1 - D(G(z))), not (unless D descends that very cost) the loss D
 * descends: its step lines say `d_cost_printed=` instead of `d_loss=`, and its `started` line
 * says `d_loss=article-printed`, so neither a reader nor a grep takes one for the other.
 */
export function plainLogger(
  printEvery: number,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
) {
  let total = 0;
  let dLossKey = 'd_loss';
  return (event: RunEvent): void => {
    switch (event.type) {
      case 'started': {
        total = event.totalSteps;
        const printed = event.loss.reportedDiscriminatorCost === 'article-printed';
        dLossKey = printed ? 'd_cost_printed' : 'd_loss';
        write(
          `started name=${event.name} run=${relative(process.cwd(), event.runDir) || '.'} seed=${event.seed} ` +
            `steps=${event.startStep}/${event.totalSteps} backend=${event.backend} ` +
            `params_g=${event.params.generator} params_d=${event.params.discriminator}` +
            (printed ? ` d_loss=article-printed` : ''),
        );
        return;
      }
      case 'metrics': {
        const r = event.row;
        if (r.step % printEvery !== 0 && r.step !== total && Number.isFinite(r.dLoss + r.gLoss)) return;
        write(
          `step=${r.step}/${total} ${dLossKey}=${fixed(r.dLoss, 4)} g_loss=${fixed(r.gLoss, 4)} d_real=${fixed(r.dReal, 3)} ` +
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
        write(`note step=${event.step} ${event.text}`);
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
