import { describe, expect, it } from 'vitest';
import { applyEvent, type DashboardEvent, type DashboardState, initialState } from './state.ts';
import { summaryLines } from './summary.ts';
import { ARTICLE_PRINTED_LOSS, ringEvalEvent, runEvents } from './test-events.ts';

const fold = (events: DashboardEvent[]) =>
  events.reduce<DashboardState>((s, e) => applyEvent(s, e, 0), initialState());

describe('summaryLines', () => {
  it('states the outcome, the last numbers, the evaluation and the closing message', () => {
    const s = fold([
      ...runEvents(300),
      ringEvalEvent(300),
      {
        type: 'finished',
        status: 'diverged',
        step: 301,
        message: 'losses became non-finite\nat step 301',
        stepsPerSec: 123.4,
      },
    ]);
    expect(summaryLines(s, 0, 200)).toEqual([
      'decay: diverged at step 301/20000 in 0:01 (123 steps/s)',
      expect.stringMatching(
        /^ {2}D loss [\d.]+ {2}G loss [\d.]+ {2}D\(x\) [\d.]+ {2}D\(G\(z\)\) [\d.]+ {2}lr D 9\.00e-9 {2}lr G 9\.00e-9$/,
      ),
      '  evaluation at step 300: modes covered 6/8 · class histogram ██▅▁▅▅▅▁ · high quality 81.3% · KL to uniform 0.3466',
      '  losses became non-finite',
      '  at step 301',
    ]);
  });

  it('wraps between numbers, never inside one', () => {
    const s = fold([...runEvents(300), ringEvalEvent(300)]);
    const lines = summaryLines(s, 0, 60);
    expect(lines.slice(2)).toEqual([
      '   lr D 9.00e-9  lr G 9.00e-9',
      '  evaluation at step 300: modes covered 6/8',
      '   class histogram ██▅▁▅▅▅▁ · high quality 81.3%',
      '   KL to uniform 0.3466',
    ]);
    expect(lines[1]).toMatch(/^ {2}D loss [\d.]+ {2}G loss [\d.]+ {2}D\(x\) [\d.]+ {2}D\(G\(z\)\) [\d.]+$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
  });

  it("names the article's printed D cost and says once what it is", () => {
    const s = fold(runEvents(300, 20000, ARTICLE_PRINTED_LOSS));
    expect(summaryLines(s, 0, 100).slice(1)).toEqual([
      '  D cost* -0.3693  G loss 0.7071  D(x) 0.713  D(G(z)) 0.391  lr D 9.00e-9  lr G 9.00e-9',
      "  * D cost as the article's code prints it, -log D(x) + log(1 - D(G(z))): not the loss D descends",
    ]);
    const narrow = summaryLines(s, 0, 60);
    expect(narrow.slice(-2)).toEqual([
      "  * D cost as the article's code prints it,",
      '  -log D(x) + log(1 - D(G(z))): not the loss D descends',
    ]);
    for (const l of narrow) expect(l.length).toBeLessThanOrEqual(60);
    // A run that logs the loss D descends says D loss, and nothing about the article.
    const plain = summaryLines(fold(runEvents(300)), 0, 100).join('\n');
    expect(plain).toContain('D loss');
    expect(plain).not.toMatch(/D cost|article/);
  });

  it('says little before any event', () => {
    expect(summaryLines(initialState(), 0)).toEqual(['run: starting at step 0/0 in 0:00']);
  });
});
