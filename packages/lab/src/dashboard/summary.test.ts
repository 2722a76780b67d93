import { describe, expect, it } from 'vitest';
import { applyEvent, type DashboardEvent, type DashboardState, initialState } from './state.ts';
import { summaryLines } from './summary.ts';
import { ringEvalEvent, runEvents } from './test-events.ts';

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

  it("adds the article's printed D cost, by name, right after the D loss", () => {
    const s = fold(runEvents(300, 20000, true));
    expect(summaryLines(s, 0, 120).slice(1)).toEqual([
      '  D loss 1.4683  D cost (printed) -0.3693  G loss 0.7071  D(x) 0.713  D(G(z)) 0.391  lr D 9.00e-9  lr G 9.00e-9',
    ]);
    const narrow = summaryLines(s, 0, 60);
    expect(narrow.slice(1)).toEqual([
      '  D loss 1.4683  D cost (printed) -0.3693  G loss 0.7071',
      '   D(x) 0.713  D(G(z)) 0.391  lr D 9.00e-9  lr G 9.00e-9',
    ]);
    // A run that logs only the loss D descends says nothing of a printed cost.
    const plain = summaryLines(fold(runEvents(300)), 0, 120).join('\n');
    expect(plain).toMatch(/ {2}D loss 1\.4683 {2}G loss 0\.7071 /);
    expect(plain).not.toMatch(/printed|cost/);
  });

  it('says little before any event', () => {
    expect(summaryLines(initialState(), 0)).toEqual(['run: starting at step 0/0 in 0:00']);
  });
});
