import { describe, expect, it } from 'vitest';
import { pictureLines } from './picture.ts';
import { evaluationWords, resultLines, verdictOf } from './result.ts';
import { applyEvent, type DashboardEvent, type DashboardState, initialState } from './state.ts';
import {
  collapsedEvalEvent,
  digitGrid,
  digitSamplesEvent,
  RUN_DIR,
  ringEvalEvent,
  runEvents,
} from './test-events.ts';

const fold = (events: DashboardEvent[]) =>
  events.reduce<DashboardState>((s, e) => applyEvent(s, e, 0), initialState());

const ended = (events: DashboardEvent[]) =>
  fold([
    ...runEvents(3000),
    ...events,
    { type: 'finished', status: 'completed', step: 3000, message: null, stepsPerSec: 300 },
  ]);

describe('verdictOf', () => {
  it("says the decay trick's end in words: sixteen identical samples, one digit", () => {
    const s = ended([digitSamplesEvent(3000, true), collapsedEvalEvent(3000)]);
    expect(verdictOf(s)).toBe(
      '16 of 16 samples identical; all 1000 evaluated samples read as one digit (a 3) by the classifier',
    );
  });

  it('counts the largest group of identical samples, and names an older evaluation', () => {
    const s = ended([collapsedEvalEvent(2000), digitSamplesEvent(3000, false)]);
    expect(verdictOf(s)).toBe(
      '2 of 16 samples identical; all 1000 evaluated samples read as one digit (a 3) by the classifier ' +
        '(evaluation at step 2000)',
    );
  });

  it('has only the evaluation for a picture that is not a grid of samples, and nothing without either', () => {
    // runEvents' picture (step 1000) is a gradient, as 2-D runs' scatter plots are no grid either.
    expect(verdictOf(ended([ringEvalEvent(3000)]))).toBe(
      '6 of 8 modes reached; 81% of 1000 points within 3 std of one (evaluation at step 3000)',
    );
    expect(verdictOf(ended([]))).toBeNull();
  });
});

describe('evaluationWords', () => {
  const mnist = (histogram: number[], covered: number) => ({
    samples: 1000,
    modes: 10,
    modesCovered: covered,
    frechetDistance: 80,
    classHistogram: histogram,
  });

  it('names the digit the classifier reads, and how many digits it finds', () => {
    expect(evaluationWords(mnist([0, 0, 0, 0, 0, 0, 0, 0.97, 0.03, 0], 1))).toBe(
      '97% of 1000 evaluated samples read as a 7 by the classifier: 1 of 10 digits',
    );
    expect(evaluationWords(mnist([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.15], 10))).toBe(
      'the classifier reads 10 of 10 digits in 1000 evaluated samples, most often a 9 (15%)',
    );
  });

  it('reads the display scale when there is one, as the grids show the samples', () => {
    const result = {
      ...mnist([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1),
      'display.modesCovered': 3,
      'display.classHistogram': [0.5, 0.3, 0.2, 0, 0, 0, 0, 0, 0, 0],
    };
    expect(evaluationWords(result)).toBe(
      'the classifier reads 3 of 10 digits in 1000 evaluated samples, most often a 0 (50%)',
    );
  });

  it('counts the modes of stacked MNIST, and has no words for a result it does not know', () => {
    expect(evaluationWords({ samples: 26000, modes: 1000, modesCovered: 412, klUniform: 1.2 })).toBe(
      '412 of 1000 modes covered in 26000 evaluated samples',
    );
    expect(evaluationWords({ loss: 3 })).toBeNull();
  });
});

describe('resultLines', () => {
  const s = ended([digitSamplesEvent(3000, true), collapsedEvalEvent(3000)]);
  const options = {
    mode: 'ascii' as const,
    width: 80,
    rows: 24,
    cwd: '/tmp',
    gif: `${RUN_DIR}/samples.gif`,
  };

  it('draws the whole final grid to fit the terminal, then the verdict and the files', () => {
    const lines = resultLines(s, options);
    // 24 rows, less 4 lines of text and 2 after them (run folder, prompt): 18 rows, 36 pixels.
    const picture = pictureLines(digitGrid(true), 'ascii', 7).map((l) => `  ${l}`);
    expect(lines.slice(0, picture.length)).toEqual(picture);
    expect(picture).toHaveLength(17);
    expect(lines.slice(picture.length)).toEqual([
      '  step 3000: 16 of 16 samples identical; all 1000 evaluated samples read as one',
      '    digit (a 3) by the classifier',
      '  png  experiments/decay/20260101-120000-abcd/samples/step-003000.png',
      '  gif  experiments/decay/20260101-120000-abcd/samples.gif',
    ]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.length + 2).toBeLessThanOrEqual(24);
  });

  it('leaves out a GIF the run did not write, and has nothing without a sample grid', () => {
    expect(resultLines(s, { ...options, gif: null }).join('\n')).not.toContain('gif');
    expect(resultLines(fold(runEvents(500)), options)).toEqual([]);
  });
});
