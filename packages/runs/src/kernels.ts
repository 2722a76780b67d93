/**
 * Which kernels computed which steps of a run (meta.json's `kernels` and `kernelHistory`), and
 * what a resume on other kernels says. The native variants, compilers and flags may round
 * differently, so a run resumed on other kernels than it started on can differ in its last bits
 * from an uninterrupted one: the run keeps the record, and the resume says so.
 */
import type { KernelSpan, RunKernels, RunMeta } from './meta.ts';

/**
 * Kernels known by their backend's name alone: complete for the reference backend (TypeScript: no
 * variant, no build of its own), and what a caller that installed a backend itself can say.
 */
export function kernelsNamed(backend: string): RunKernels {
  return { backend, variant: null, simd: null, cpuFeatures: [], compiler: null, flags: null, bits: backend };
}

/**
 * Whether two records name kernels that compute the same bits (the reproducible native variants
 * built from the same sources do, whichever instruction set each uses); null only as null.
 */
export function sameBits(a: RunKernels | null, b: RunKernels | null): boolean {
  if (a === null || b === null) return a === b;
  return a.bits === b.bits;
}

/** Whether two records name the same kernels (null: unrecorded, the same only as null). */
export function sameKernels(a: RunKernels | null, b: RunKernels | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.backend === b.backend &&
    a.variant === b.variant &&
    a.simd === b.simd &&
    a.compiler === b.compiler &&
    a.flags === b.flags &&
    a.bits === b.bits &&
    a.cpuFeatures.length === b.cpuFeatures.length &&
    a.cpuFeatures.every((f, i) => f === b.cpuFeatures[i])
  );
}

/**
 * The kernels that computed a run's latest steps as its meta.json says: `kernels`, or for a run
 * recorded before they were kept, the reference backend's when that was its backend (it has no
 * variants), else null (a native run: which variant is not known).
 */
export function recordedKernels(meta: Pick<RunMeta, 'kernels' | 'backend'>): RunKernels | null {
  return meta.kernels ?? (meta.backend === 'reference' ? kernelsNamed('reference') : null);
}

/**
 * Kernels in words: `avx2 kernels (g++ 12.2.0)`, `the reference backend's kernels`; `other`
 * (kernels compared with) adds the flags when they are all that differs.
 */
export function describeKernels(kernels: RunKernels | null, other?: RunKernels | null): string {
  if (kernels === null) return 'kernels this run did not record (it started before runs named them)';
  const name =
    kernels.variant === null
      ? `the ${kernels.backend} backend's kernels`
      : `${kernels.variant} kernels${kernels.compiler === null ? '' : ` (${kernels.compiler})`}`;
  const flagsOnly =
    other != null &&
    kernels.flags !== other.flags &&
    sameKernels({ ...kernels, flags: null }, { ...other, flags: null });
  return flagsOnly ? `${name} built with ${kernels.flags ?? 'unrecorded flags'}` : name;
}

/** meta.json's kernel fields for a resumed run, and what the resume must say about them. */
export interface KernelsOnResume {
  kernels: RunKernels;
  kernelHistory: KernelSpan[];
  /** Set when the run resumes on other kernels than those that computed its latest steps. */
  warning: string | null;
}

/**
 * The kernel record of a run resumed from its checkpoint of step `step` on `kernels`: the steps
 * after `step` are computed again, so the spans past it are dropped; when the kernels change, the
 * ones the meta recorded become a span up to `step`, and `warning` says which steps other kernels
 * computed.
 *
 * ```ts
 * const r = kernelsOnResume(meta, 3000, avx2); // meta.kernels: avx512
 * r.kernelHistory; // [{ fromStep: 0, toStep: 3000, kernels: avx512 }]
 * r.warning;       // 'resuming on avx2 kernels (g++ 12.2.0); steps 0-3000 were computed by avx512 kernels ...'
 * ```
 */
export function kernelsOnResume(
  meta: Pick<RunMeta, 'kernels' | 'kernelHistory' | 'backend'>,
  step: number,
  kernels: RunKernels,
): KernelsOnResume {
  const recorded = recordedKernels(meta);
  const spans = meta.kernelHistory
    .filter((s) => s.fromStep < step)
    .map((s) => ({ ...s, toStep: Math.min(s.toStep, step) }));
  const latestFrom = meta.kernelHistory.at(-1)?.toStep ?? 0;
  if (step > latestFrom) spans.push({ fromStep: latestFrom, toStep: step, kernels: recorded });
  // The kernels of the last span kept are the new ones (a resume from an older checkpoint): they
  // go on computing, not a span of their own.
  const last = spans.at(-1);
  if (last !== undefined && sameKernels(last.kernels, kernels)) spans.pop();
  // Spans computed by other kernels that give the same bits (avx512 then avx2, say) change nothing.
  const others = spans.filter((s) => !sameBits(s.kernels, kernels));
  const warning =
    sameBits(recorded, kernels) || others.length === 0
      ? null
      : `resuming on ${describeKernels(kernels, recorded)}; ` +
        others
          .map(
            (s, i) =>
              `steps ${s.fromStep}-${s.toStep} ${i === 0 ? 'were computed by' : 'by'} ${describeKernels(s.kernels, kernels)}`,
          )
          .join(', ') +
        ': the results can differ in their last bits from an uninterrupted run';
  return { kernels, kernelHistory: spans, warning };
}
