/**
 * How the views name the metrics' `dLoss`. For most runs it is the loss D descends: `D loss`. A
 * run with `loss.reportedDiscriminatorCost: article-printed` logs the cost the article's code
 * prints instead, -log D(x) + log(1 - D(G(z))) (the second sign flipped: it starts near 0 and goes
 * negative as D learns); the views call it `D cost*` and say once what the `*` means.
 *
 * ```ts
 * dLossLabel({ discriminator: 'standard', reportedDiscriminatorCost: 'article-printed' }).name; // 'D cost*'
 * dLossLabel(null).name; // 'D loss' (before the run has started)
 * ```
 */
import type { LossConfig } from '@gan/training';
import { wrapWords } from './format.ts';

/** What a run's `dLoss` is: the part of the config's loss section that decides it. */
export type DLossInfo = Pick<LossConfig, 'discriminator' | 'reportedDiscriminatorCost'>;

export interface DLossLabel {
  /** The name in legends, the stats panel and the summary: `D loss` or `D cost*`. */
  name: string;
  /** The shortest form, for the compact view's numbers: `D` or `D cost*`. */
  short: string;
  /** What the `*` means, one sentence; null when the value is the loss D descends. */
  note: string | null;
}

/** The cost the article's code prints (`D_cost = -np.log(Dl2_rA) + np.log(1.0 - Dl2_fA)`). */
export const ARTICLE_PRINTED_FORMULA = '-log D(x) + log(1 - D(G(z)))';

const OBJECTIVE: DLossLabel = { name: 'D loss', short: 'D', note: null };

/** The label of a run's `dLoss`; `null` (no run yet) is labelled as the objective. */
export function dLossLabel(loss: DLossInfo | null): DLossLabel {
  if (loss === null) return OBJECTIVE;
  switch (loss.reportedDiscriminatorCost) {
    case 'objective':
      return OBJECTIVE;
    case 'article-printed': {
      // NOTE: with `discriminator: flipped` D descends this very cost: saying "not the loss D
      // descends" would then be false.
      const which =
        loss.discriminator === 'flipped'
          ? 'here also the loss D descends (loss.discriminator: flipped)'
          : 'not the loss D descends';
      return {
        name: 'D cost*',
        short: 'D cost*',
        note: `* D cost as the article's code prints it, ${ARTICLE_PRINTED_FORMULA}: ${which}`,
      };
    }
  }
}

/** The label's note wrapped to `width`, the formula kept on one line where it fits; `[]` if none. */
export function dLossNoteLines(label: DLossLabel, width: number): string[] {
  return label.note === null ? [] : wrapWords(label.note, width, [ARTICLE_PRINTED_FORMULA]);
}
