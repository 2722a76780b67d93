import { describe, expect, it } from 'vitest';
import { fixed, num, sci } from './numbers.ts';

describe('numbers', () => {
  it.each([
    [fixed(0.12345, 3), '0.123'],
    [fixed(1.5, 4), '1.5000'],
    [fixed(Number.NaN, 4), 'NaN'],
    [fixed(-Infinity, 2), '-Infinity'],
    [fixed(undefined, 2), '-'],
    [sci(9e-9), '9.00e-9'],
    [sci(12345), '1.23e4'],
    [sci(2e-4, 1), '2.0e-4'],
    [sci(Number.NaN), 'NaN'],
    [num(1.23456), '1.2346'],
    [num(-0.0308), '-0.0308'],
    [num(123.456), '123.5'],
    [num(2e-5), '2.00e-5'],
    [num(Infinity), 'Infinity'],
  ])('%s is %s', (got, want) => {
    expect(got).toBe(want);
  });
});
