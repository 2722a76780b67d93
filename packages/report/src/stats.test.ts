import { describe, expect, it } from 'vitest';
import { formatStats, type Spread, spreadLegend, summarize } from './stats.ts';

describe('summarize', () => {
  it('gives the mean, the sample standard deviation, the range and n', () => {
    const s = summarize([0.48, 0.51, 0.55]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.513333333333, 10);
    // sqrt(((0.48-m)^2 + (0.51-m)^2 + (0.55-m)^2) / 2)
    expect(s.sd).toBeCloseTo(0.035118845842842, 12);
    expect([s.min, s.max, s.nonFinite]).toEqual([0.48, 0.55, 0]);
  });

  it.each([
    ['no values', [], { n: 0, mean: null, sd: null, min: null, max: null, nonFinite: 0 }],
    ['one value: no sd', [2], { n: 1, mean: 2, sd: null, min: 2, max: 2, nonFinite: 0 }],
    [
      'missing values are left out',
      [1, null, 3, undefined],
      { n: 2, mean: 2, sd: Math.SQRT2, min: 1, max: 3 },
    ],
    ['non-finite values are counted apart', [1, Number.NaN, 3, Infinity], { n: 2, mean: 2, nonFinite: 2 }],
    ['equal values: sd 0', [5, 5, 5], { n: 3, mean: 5, sd: 0 }],
  ])('%s', (_name, values, expected) => {
    expect(summarize(values)).toMatchObject(expected);
  });

  it('stays accurate far from zero (one pass, no sum of squares)', () => {
    const s = summarize([1e9 + 1, 1e9 + 2, 1e9 + 3]);
    expect(s.sd).toBeCloseTo(1, 9);
  });
});

describe('formatStats', () => {
  it.each<[string, (number | null)[], Spread, number | undefined, string]>([
    ['the brief example', [0.48, 0.512, 0.545], 'sd', undefined, '0.512 ± 0.033'],
    ['decimals from 2 significant digits of the sd', [1.0, 1.2, 1.4], 'sd', undefined, '1.20 ± 0.20'],
    ['a large sd: no decimals', [900, 1000, 1100], 'sd', undefined, '1000 ± 100'],
    ['no spread', [8, 8, 8], 'sd', undefined, '8 ± 0'],
    ['one run: no ±', [0.5123], 'sd', undefined, '0.5123'],
    ['min..max', [0.48, 0.512, 0.55], 'minmax', undefined, '0.514 [0.480..0.550]'],
    ['fewer values than runs', [1, 2], 'sd', 3, '1.50 ± 0.71 (n=2)'],
    ['tiny values: exponents', [2e-7, 3e-7], 'sd', undefined, '2.5e-7 ± 7.1e-8'],
    ['huge values: exponents', [2e7, 3e7], 'sd', undefined, '2.5e7 ± 7.1e6'],
    ['a spread far below the mean', [655.25501, 655.25509, 655.25514], 'sd', undefined, '655.3 ± 6.6e-5'],
    ['the same, as a range', [655.25501, 655.25514], 'minmax', undefined, '655.3 [655.3..655.3]'],
    ['a small spread within 6 digits', [0.69318, 0.69326, 0.69333], 'sd', undefined, '0.693257 ± 0.000075'],
    ['nothing', [], 'sd', 2, '-'],
    ['only a NaN', [Number.NaN], 'sd', 1, 'NaN'],
    ['only infinities', [-Infinity, Infinity], 'sd', 2, '-Inf'],
  ])('%s', (_name, values, spread, groupSize, text) => {
    expect(formatStats(summarize(values), spread, groupSize).text).toBe(text);
  });

  it('colours what is missing and what diverged', () => {
    expect(formatStats(summarize([]), 'sd').tone).toBe('muted');
    expect(formatStats(summarize([Number.NaN]), 'sd').tone).toBe('bad');
  });
});

describe('spreadLegend', () => {
  it('says what the spread is, and what (n=2) means only when a cell shows it', () => {
    expect(spreadLegend('sd', false)).toBe(
      '± = sample standard deviation (n - 1) over the runs of a group, after its mean',
    );
    expect(spreadLegend('minmax', true)).toBe(
      "[min..max] = the range over the runs of a group, after its mean; (n=k) = only k of the group's runs have a finite value",
    );
  });
});
