import { describe, expect, it } from 'vitest';
import { ARTICLE_PRINTED_FORMULA, type DLossInfo, dLossLabel, dLossNoteLines } from './dloss.ts';

describe('dLossLabel', () => {
  it.each<[string, DLossInfo | null, string, string, string | null]>([
    ['no run yet', null, 'D loss', 'D', null],
    [
      'the objective (standard)',
      { discriminator: 'standard', reportedDiscriminatorCost: 'objective' },
      'D loss',
      'D',
      null,
    ],
    [
      'the objective (flipped)',
      { discriminator: 'flipped', reportedDiscriminatorCost: 'objective' },
      'D loss',
      'D',
      null,
    ],
    [
      "the article's print, D on the standard loss",
      { discriminator: 'standard', reportedDiscriminatorCost: 'article-printed' },
      'D cost*',
      'D cost*',
      "* D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))): not the loss D descends",
    ],
    [
      "the article's print, D descending it",
      { discriminator: 'flipped', reportedDiscriminatorCost: 'article-printed' },
      'D cost*',
      'D cost*',
      "* D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))): here also the loss D " +
        'descends (loss.discriminator: flipped)',
    ],
  ])('%s', (_, loss, name, short, note) => {
    expect(dLossLabel(loss)).toEqual({ name, short, note });
  });

  it('wraps the note without breaking the formula where it fits on a line', () => {
    const label = dLossLabel({ discriminator: 'standard', reportedDiscriminatorCost: 'article-printed' });
    const lines = dLossNoteLines(label, 40);
    expect(lines).toEqual([
      "* D cost as the article's code prints",
      'it, -log D(x) + log(1 - D(G(z))): not',
      'the loss D descends',
    ]);
    expect(lines.some((l) => l.includes(ARTICLE_PRINTED_FORMULA))).toBe(true);
    expect(dLossNoteLines(dLossLabel(null), 40)).toEqual([]);
  });
});
