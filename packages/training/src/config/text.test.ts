import { describe, expect, it } from 'vitest';
import { editDistance, formatPath, showValue, suggest } from './text.ts';

describe('suggest', () => {
  const keys = [
    'dataset',
    'split',
    'scaling',
    'shuffleOnLoad',
    'limit',
    'excludeLast',
    'sampling',
    'batchSize',
  ];
  it.each([
    ['scalng', 'scaling'],
    ['batchsize', 'batchSize'],
    ['batch_size', 'batchSize'],
    ['spilt', 'split'],
    ['limt', 'limit'],
    ['colour', undefined],
    ['x', undefined],
    ['samplingMethod', undefined],
  ])('%s -> %s', (word, expected) => {
    expect(suggest(word, keys)).toBe(expected);
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['spilt', 'split', 1],
    ['steps', 'stepz', 1],
  ])('%s / %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('showValue and formatPath', () => {
  it('renders values as short YAML', () => {
    expect(showValue('abc')).toBe('"abc"');
    expect(showValue([128, -3])).toBe('[128, -3]');
    expect(showValue({ a: 1, b: [true, null] })).toBe('{ a: 1, b: [true, null] }');
    expect(showValue(Array.from({ length: 50 }, (_, i) => i))).toBe('a list of 50 items');
    expect(showValue('x'.repeat(100))).toHaveLength(40);
  });

  it('formats key paths with indices', () => {
    expect(formatPath(['model', 'generator', 'hidden', 1])).toBe('model.generator.hidden[1]');
    expect(formatPath(['optim', 'generator', 'schedule', 'milestones', 0, 'step'])).toBe(
      'optim.generator.schedule.milestones[0].step',
    );
    expect(formatPath([])).toBe('');
  });
});
