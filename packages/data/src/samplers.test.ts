import { Rng } from '@gan/tensor';
import { describe, expect, it } from 'vitest';
import {
  createSampler,
  EpochSampler,
  ReplacementSampler,
  type Sampler,
  type SamplerKind,
  type SamplerState,
} from './samplers.ts';

/** `steps` batches of `batch` indices, concatenated. */
function draw(sampler: Sampler, steps: number, batch: number): number[] {
  const out = new Int32Array(batch);
  const all: number[] = [];
  for (let s = 0; s < steps; s++) all.push(...sampler.next(out));
  return all;
}

const make = (kind: SamplerKind, seed: number, size = 50, excludeLast = 0) =>
  createSampler(kind, { size, excludeLast, rng: Rng.create(seed, 'data') });

describe.each(['replacement', 'epochs'] as const)('%s sampler', (kind) => {
  it('gives the same indices for the same seed and different ones otherwise', () => {
    expect(draw(make(kind, 1), 20, 7)).toEqual(draw(make(kind, 1), 20, 7));
    expect(draw(make(kind, 1), 20, 7)).not.toEqual(draw(make(kind, 2), 20, 7));
  });

  it('returns the buffer it was given, filled with valid indices', () => {
    const sampler = make(kind, 3, 50, 10);
    const out = new Int32Array(9).fill(-1);
    expect(sampler.next(out)).toBe(out);
    for (const i of out) expect(i >= 0 && i < 40).toBe(true);
  });

  it('continues bit-identically after state() -> JSON -> restore()', () => {
    for (const [warmup, batch] of [
      [0, 8],
      [3, 8],
      [7, 7],
      [13, 9],
    ]) {
      const original = make(kind, 11);
      draw(original, warmup, batch);
      const saved = JSON.parse(JSON.stringify(original.state())) as SamplerState;
      const expected = draw(original, 30, batch);

      // A sampler built from another seed, fast-forwarded elsewhere, must forget all of that.
      const resumed = make(kind, 999);
      draw(resumed, 5, 3);
      resumed.restore(saved);
      expect([resumed.epoch, resumed.position]).toEqual([saved.epoch, saved.position]);
      expect(draw(resumed, 30, batch)).toEqual(expected);
    }
  });

  it('refuses a state from another kind or size', () => {
    const other: SamplerKind = kind === 'epochs' ? 'replacement' : 'epochs';
    expect(() => make(kind, 1).restore(make(other, 1).state())).toThrow(
      `the state is for a '${other}' sampler`,
    );
    expect(() => make(kind, 1, 50).restore(make(kind, 1, 60).state())).toThrow(
      'the state was saved for size 60 (excludeLast 0), this sampler has size 50 (excludeLast 0)',
    );
    const bad = { ...make(kind, 1).state(), position: 50 };
    expect(() => make(kind, 1).restore(bad)).toThrow('position must be an integer in 0..49, got 50');
    const badRng = {
      ...make(kind, 1).state(),
      rng: { s: [1, 2, 3], spare: null },
    } as unknown as SamplerState;
    expect(() => make(kind, 1).restore(badRng)).toThrow('rng must be an RNG state');
  });
});

describe('ReplacementSampler', () => {
  it('never returns an excluded index and hits every allowed one', () => {
    const sampler = new ReplacementSampler({ size: 15, excludeLast: 10, rng: Rng.create(4, 'data') });
    const seen = new Set(draw(sampler, 200, 1));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
  });

  it("covers the article's range: size - 10 of 10000", () => {
    const sampler = new ReplacementSampler({ size: 10000, excludeLast: 10, rng: Rng.create(127, 'data') });
    const all = draw(sampler, 200, 1000);
    expect(all.reduce((a, b) => Math.max(a, b))).toBe(9989);
    expect(all.reduce((a, b) => Math.min(a, b))).toBe(0);
  });

  it('reports the 32-bit draw behind each index: index = draw % (size - excludeLast)', () => {
    const sampler = new ReplacementSampler({ size: 10000, excludeLast: 5, rng: Rng.create(127, 'data') });
    const twin = new ReplacementSampler({ size: 10000, excludeLast: 5, rng: Rng.create(127, 'data') });
    const idx = new Int32Array(64);
    const draws = new Uint32Array(64);
    sampler.next(idx, draws);
    expect(Array.from(twin.next(new Int32Array(64)))).toEqual(Array.from(idx)); // draws change nothing
    for (let i = 0; i < 64; i++) expect(draws[i] % 9995).toBe(idx[i]);
    // Another range reduces the same draws to other indices: what a parity check relies on.
    expect(Array.from(draws).filter((d, i) => d % 9990 !== idx[i]).length).toBeGreaterThan(50);
  });

  it('throws a clear RangeError when nothing is left to sample', () => {
    const rng = Rng.create(1);
    expect(() => new ReplacementSampler({ size: 10, excludeLast: 10, rng })).toThrow(
      new RangeError(
        'ReplacementSampler: nothing left to sample: size 10 minus excludeLast 10 leaves 0 indices',
      ),
    );
    expect(() => new ReplacementSampler({ size: 5, excludeLast: 10, rng })).toThrow('leaves 0 indices');
    expect(() => new ReplacementSampler({ size: -1, rng })).toThrow(
      'size must be a non-negative integer, got -1',
    );
  });

  it('counts epochs as dataset-sizes worth of draws', () => {
    const sampler = new ReplacementSampler({ size: 10, rng: Rng.create(1) });
    draw(sampler, 5, 3);
    expect([sampler.epoch, sampler.position]).toEqual([1, 5]);
  });
});

describe('EpochSampler', () => {
  it('returns each index exactly once per epoch across batch boundaries', () => {
    const size = 23;
    for (const batch of [1, 4, 7, 23, 30]) {
      const sampler = new EpochSampler({ size, rng: Rng.create(batch, 'data') });
      const all = draw(sampler, Math.ceil((size * 5) / batch), batch).slice(0, size * 5);
      const epochs: number[][] = [];
      for (let e = 0; e < 5; e++) epochs.push(all.slice(e * size, (e + 1) * size));
      for (const ep of epochs)
        expect([...ep].sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
      // Each epoch has its own permutation.
      expect(new Set(epochs.map((ep) => ep.join(','))).size).toBe(5);
    }
  });

  it('tracks epoch and position, rolling over as soon as an epoch is used up', () => {
    const sampler = new EpochSampler({ size: 10, rng: Rng.create(1) });
    expect([sampler.epoch, sampler.position]).toEqual([0, 0]);
    draw(sampler, 1, 4);
    expect([sampler.epoch, sampler.position]).toEqual([0, 4]);
    draw(sampler, 1, 6);
    expect([sampler.epoch, sampler.position]).toEqual([1, 0]);
    draw(sampler, 1, 13);
    expect([sampler.epoch, sampler.position]).toEqual([2, 3]);
  });

  it('honours excludeLast', () => {
    const sampler = new EpochSampler({ size: 12, excludeLast: 2, rng: Rng.create(1) });
    expect(draw(sampler, 1, 10).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stores the epoch start instead of the permutation, and detects a tampered state', () => {
    const sampler = new EpochSampler({ size: 1000, rng: Rng.create(1) });
    draw(sampler, 3, 400);
    const state = sampler.state();
    expect(JSON.stringify(state).length).toBeLessThan(400);
    const tampered = { ...state, rng: { s: [1, 2, 3, 4] as [number, number, number, number], spare: null } };
    expect(() => new EpochSampler({ size: 1000, rng: Rng.create(1) }).restore(tampered)).toThrow(
      'inconsistent state',
    );
  });
});

describe('createSampler', () => {
  it('builds each kind and rejects unknown ones', () => {
    expect(make('replacement', 1)).toBeInstanceOf(ReplacementSampler);
    expect(make('epochs', 1)).toBeInstanceOf(EpochSampler);
    expect(() => make('sequential' as SamplerKind, 1)).toThrow(
      "createSampler: kind must be one of 'replacement', 'epochs', got 'sequential'",
    );
  });
});
