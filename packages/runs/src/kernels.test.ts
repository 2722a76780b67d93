import { describe, expect, it } from 'vitest';
import {
  describeKernels,
  kernelsNamed,
  kernelsOnResume,
  recordedKernels,
  sameBits,
  sameKernels,
} from './kernels.ts';
import type { KernelSpan, RunKernels } from './meta.ts';

const native = (
  variant: string,
  compiler = 'g++ 12.2.0',
  flags = `-O3 -march=${variant}`,
  sources = 'a1b2c3',
): RunKernels => ({
  backend: 'native',
  variant,
  simd: variant.startsWith('baseline') ? 'scalar' : variant,
  cpuFeatures: variant.startsWith('baseline') ? [] : [variant],
  compiler,
  flags,
  bits: `${variant === 'baseline-fast' ? variant : 'native'} ${sources}`,
});
const avx512 = native('avx512');
const avx2 = native('avx2');
const baseline = native('baseline');
const fast = native('baseline-fast');
/** avx512 kernels built from other sources. */
const newer = native('avx512', 'g++ 12.2.0', '-O3 -march=avx512', 'd4e5f6');
const reference = kernelsNamed('reference');
const TAIL = ': the results can differ in their last bits from an uninterrupted run';

describe('sameKernels and describeKernels', () => {
  it('tells kernels apart by any field, and names them', () => {
    expect(sameKernels(avx2, native('avx2'))).toBe(true);
    expect(sameKernels(avx2, avx512)).toBe(false);
    expect(sameKernels(avx2, native('avx2', 'g++ 13.1.0'))).toBe(false);
    expect(sameKernels(avx2, native('avx2', 'g++ 12.2.0', '-O2'))).toBe(false);
    expect(sameKernels(avx2, { ...avx2, cpuFeatures: ['avx2', 'fma'] })).toBe(false);
    expect(sameKernels(null, null)).toBe(true);
    expect(sameKernels(null, reference)).toBe(false);
    expect(describeKernels(avx2)).toBe('avx2 kernels (g++ 12.2.0)');
    expect(describeKernels(reference)).toBe("the reference backend's kernels");
    expect(describeKernels(native('avx2', 'g++ 12.2.0', '-O2'), avx2)).toBe(
      'avx2 kernels (g++ 12.2.0) built with -O2',
    );
  });

  it('tells kernels that compute the same bits: the reproducible variants of the same sources', () => {
    expect(sameBits(avx512, avx2)).toBe(true);
    expect(sameBits(avx2, baseline)).toBe(true);
    expect(sameBits(avx2, native('avx2', 'g++ 13.1.0'))).toBe(true);
    expect(sameBits(baseline, fast)).toBe(false);
    expect(sameBits(avx512, newer)).toBe(false);
    expect(sameBits(avx512, reference)).toBe(false);
    expect(sameBits(null, null)).toBe(true);
    expect(sameBits(null, avx2)).toBe(false);
  });

  it("reads an older run's kernels: the reference backend's when that was its backend, else unknown", () => {
    expect(recordedKernels({ kernels: null, backend: 'reference' })).toEqual(reference);
    expect(recordedKernels({ kernels: null, backend: 'native' })).toBeNull();
    expect(recordedKernels({ kernels: avx2, backend: 'native' })).toBe(avx2);
  });
});

describe('kernelsOnResume', () => {
  const meta = (kernels: RunKernels | null, kernelHistory: KernelSpan[] = [], backend = 'native') => ({
    kernels,
    kernelHistory,
    backend,
  });

  it.each([
    {
      what: 'the same kernels: nothing kept, nothing said',
      meta: meta(avx512),
      step: 3000,
      now: avx512,
      history: [],
      warning: null,
    },
    {
      what: 'another reproducible variant: kept in the history, nothing said (the same bits)',
      meta: meta(avx512),
      step: 3000,
      now: avx2,
      history: [{ fromStep: 0, toStep: 3000, kernels: avx512 }],
      warning: null,
    },
    {
      what: 'another compiler, the same sources: the same bits',
      meta: meta(avx512),
      step: 500,
      now: native('avx512', 'g++ 13.1.0'),
      history: [{ fromStep: 0, toStep: 500, kernels: avx512 }],
      warning: null,
    },
    {
      what: 'the fast baseline, which rounds its own way',
      meta: meta(avx512),
      step: 3000,
      now: fast,
      history: [{ fromStep: 0, toStep: 3000, kernels: avx512 }],
      warning: `resuming on baseline-fast kernels (g++ 12.2.0); steps 0-3000 were computed by avx512 kernels (g++ 12.2.0)${TAIL}`,
    },
    {
      what: 'kernels built from other sources',
      meta: meta(avx512),
      step: 500,
      now: newer,
      history: [{ fromStep: 0, toStep: 500, kernels: avx512 }],
      warning: `resuming on avx512 kernels (g++ 12.2.0); steps 0-500 were computed by avx512 kernels (g++ 12.2.0)${TAIL}`,
    },
    {
      what: 'a third set of kernels: every earlier span is named',
      meta: meta(avx2, [{ fromStep: 0, toStep: 3000, kernels: avx512 }]),
      step: 5000,
      now: fast,
      history: [
        { fromStep: 0, toStep: 3000, kernels: avx512 },
        { fromStep: 3000, toStep: 5000, kernels: avx2 },
      ],
      warning:
        'resuming on baseline-fast kernels (g++ 12.2.0); steps 0-3000 were computed by avx512 kernels (g++ 12.2.0), ' +
        `steps 3000-5000 by avx2 kernels (g++ 12.2.0)${TAIL}`,
    },
    {
      what: 'back on the first kernels: the steps of the others stay named',
      meta: meta(fast, [{ fromStep: 0, toStep: 3000, kernels: avx512 }]),
      step: 5000,
      now: avx512,
      history: [
        { fromStep: 0, toStep: 3000, kernels: avx512 },
        { fromStep: 3000, toStep: 5000, kernels: fast },
      ],
      warning: `resuming on avx512 kernels (g++ 12.2.0); steps 3000-5000 were computed by baseline-fast kernels (g++ 12.2.0)${TAIL}`,
    },
    {
      what: 'from an older checkpoint than the last change: later spans are computed again',
      meta: meta(avx2, [{ fromStep: 0, toStep: 3000, kernels: avx512 }]),
      step: 2000,
      now: avx512,
      history: [],
      warning: null,
    },
    {
      what: 'from an older checkpoint, on a third set of kernels',
      meta: meta(avx2, [{ fromStep: 0, toStep: 3000, kernels: avx512 }]),
      step: 2000,
      now: fast,
      history: [{ fromStep: 0, toStep: 2000, kernels: avx512 }],
      warning: `resuming on baseline-fast kernels (g++ 12.2.0); steps 0-2000 were computed by avx512 kernels (g++ 12.2.0)${TAIL}`,
    },
    {
      what: 'no checkpoint yet: every step is computed again',
      meta: meta(avx512),
      step: 0,
      now: avx2,
      history: [],
      warning: null,
    },
    {
      what: 'a run from before kernels were recorded',
      meta: meta(null),
      step: 3000,
      now: avx2,
      history: [{ fromStep: 0, toStep: 3000, kernels: null }],
      warning:
        'resuming on avx2 kernels (g++ 12.2.0); steps 0-3000 were computed by kernels this run did not ' +
        `record (it started before runs named them)${TAIL}`,
    },
    {
      what: 'an older reference run on the reference backend',
      meta: meta(null, [], 'reference'),
      step: 3000,
      now: reference,
      history: [],
      warning: null,
    },
  ])('$what', ({ meta: before, step, now, history, warning }) => {
    const after = kernelsOnResume(before, step, now);
    expect(after.kernels).toBe(now);
    expect(after.kernelHistory).toEqual(history);
    expect(after.warning).toBe(warning);
  });
});
