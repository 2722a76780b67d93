import { describe, expect, it } from 'vitest';
import { fmt, formatStep, formatTick, formatValue } from './format.ts';

describe('formatValue', () => {
  it.each([
    [0.5, '0.5'],
    [555.255073, '555.3'],
    [0.0000123, '1.23e-5'],
    [0.000012, '1.2e-5'],
    [20000, '20,000'],
    [12345.6, '12,346'],
    [1234567, '1.235e6'],
    [3e6, '3e6'],
    [1, '1'],
    [1.62, '1.62'],
    [1200.4, '1,200'],
    [999.96, '1,000'],
    [0.001, '0.001'],
    [0.00099996, '1e-3'],
    [-0.25, '-0.25'],
    [-1234.5, '-1,235'],
    [0, '0'],
    [-0, '0'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('%s is %s', (v, text) => {
    expect(formatValue(v)).toBe(text);
  });

  it('keeps as many significant digits as asked, trailing zeros dropped', () => {
    expect(formatValue(Math.PI, 2)).toBe('3.1');
    expect(formatValue(Math.PI, 8)).toBe('3.1415927');
    expect(formatValue(0.1 + 0.2, 12)).toBe('0.3');
    expect(formatValue(2e-4, 12)).toBe('2e-4');
  });
});

describe('formatStep', () => {
  it.each([
    [0, '0'],
    [10, '10'],
    [999, '999'],
    [1000, '1,000'],
    [20000, '20,000'],
    [1234567, '1,234,567'],
    [2499.5, '2,500'],
    [-5000, '-5,000'],
  ])('%s is %s', (v, text) => {
    expect(formatStep(v)).toBe(text);
  });
});

describe('formatTick', () => {
  it.each([
    // An axis over more than one value: its round ticks exactly, float noise dropped.
    [0.5, [0.4, 0.6], '0.5'],
    [0.55, [0.4, 0.6], '0.55'],
    [1, [0.5, 1], '1'],
    [0.1 + 0.2, [0, 1], '0.3'],
    [1.0002, [1, 1.001], '1.0002'],
    [40000, [0, 50000], '40,000'],
    [0, [-1, 1], '0'],
    [-1.3e-17, [-0.5, 0.5], '0'],
    [2.5, [0, 9e5], '2.5'],
    [2.5, [0, 1e6], '2.5e0'],
    // One notation an axis, by its largest magnitude.
    [1e-4, [1e-4, 1e-3], '0.0001'],
    [0.001, [1e-4, 1e-3], '0.001'],
    [1.5e-5, [1e-5, 3e-5], '1.5e-5'],
    [2e-4, [0, 9e-4], '2e-4'],
    [5e5, [0, 2e6], '5e5'],
    [1.5e6, [0, 2e6], '1.5e6'],
    // One value (one point drawn): that value, as a table prints it.
    [555.255073, [555.255073, 555.255073], '555.3'],
    [20000, [20000, 20000], '20,000'],
    [2e-4, [2e-4, 2e-4], '2e-4'],
    [0.5, [], '0.5'],
  ])('%s on [%s] is %s', (v, domain, text) => {
    expect(formatTick(v, domain)).toBe(text);
  });

  it.each([
    // Over two decades or more: the powers of ten, as values are written.
    [1e-5, [1e-6, 100], '1e-5'],
    [0.01, [1e-6, 100], '0.01'],
    [100, [1e-6, 100], '100'],
    [3e-5, [1e-6, 100], ''],
    [1e-3, [1e-4, 1e-2], '0.001'],
    [2e-3, [1e-4, 1e-2], ''],
    // Within a decade or so: every tick, one notation.
    [2e-4, [1e-4, 1e-3], '0.0002'],
    [0.001, [1e-4, 1e-3], '0.001'],
    [2.2e-5, [2e-5, 3e-5], '2.2e-5'],
  ])('%s on a log axis over [%s] is %o', (v, domain, text) => {
    expect(formatTick(v, domain, true)).toBe(text);
  });

  it('never ends in a zero after the point, nor in a bare point, on any axis', () => {
    for (let k = -8; k <= 8; k++)
      for (const m of [1, 2, 2.5, 5]) {
        const step = m * 10 ** k;
        for (let i = -12; i <= 12; i++) {
          const text = formatTick(i * step, [-12 * step, 12 * step]);
          expect(text, `${i} * ${m}e${k}`).not.toMatch(/\.(\d*0)?(e|$)/);
          expect(Math.abs(Number(text.replaceAll(',', '')) - i * step), text).toBeLessThan(step * 1e-9);
        }
      }
  });
});

describe('fmt', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    [20000, '20000'],
    [1234, '1234'],
    [1.422413, '1.422'],
    [1.62, '1.62'],
    [1200.4, '1,200'],
    [0.0002, '2e-4'],
    [Number.NaN, 'NaN'],
    ['text', 'text'],
    [[1, 2], '[1,2]'],
  ])('%s is %s', (v, text) => {
    expect(fmt(v)).toBe(text);
  });
});
