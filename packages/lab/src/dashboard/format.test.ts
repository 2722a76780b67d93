import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatDuration,
  humanize,
  sparkBars,
  sparkLine,
  truncateEnd,
  truncateStart,
} from './format.ts';

describe('format', () => {
  it.each([
    [formatClock(0), '0:00'],
    [formatClock(59.9), '0:59'],
    [formatClock(3723), '1:02:03'],
    [formatClock(Number.NaN), '-:--'],
    [formatDuration(45.4), '45s'],
    [formatDuration(725), '12m 05s'],
    [formatDuration(12000), '3h 20m'],
    [formatDuration(187200), '2d 04h'],
    [formatDuration(null), '?'],
    [truncateEnd('abcdef', 4), 'abc…'],
    [truncateStart('experiments/x/run', 8), '…s/x/run'],
    [humanize('modesCovered'), 'modes covered'],
    [humanize('nn_distance'), 'nn distance'],
    [sparkBars([0, 1, 2, 4]), '▁▃▅█'],
    [sparkBars([]), ''],
    [sparkLine([3, 4, Number.NaN, 5]), '▁▅ █'],
    [sparkLine([2, 2]), '▄▄'],
  ])('%s is %s', (got, want) => {
    expect(got).toBe(want);
  });
});
