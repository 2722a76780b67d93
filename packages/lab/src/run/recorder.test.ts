import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalPath, kernelsNamed, metricsPath, RunOwner, type RunKernels, readMetaSync } from '@gan/runs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunRecorder } from './recorder.ts';
import { META_INTERVAL_MS } from './schedule.ts';
import { ringConfig, testEnvironment } from './session.test-util.ts';

let runDir: string;
let owner: RunOwner;
beforeEach(() => {
  runDir = mkdtempSync(join(tmpdir(), 'recorder-'));
  owner = RunOwner.claim(runDir, 'test');
});
afterEach(() => {
  rmSync(runDir, { recursive: true, force: true });
});

const run = (kernels: RunKernels = kernelsNamed('reference')) => ({
  config: ringConfig('rec', { train: { steps: 50 }, eval: { every: 10, atEnd: true } }),
  owner,
  runId: '20261126-153012-a3f9',
  environment: testEnvironment,
  kernels,
});

/** Native kernels as a thread reports them; what they are does not matter, only that they differ. */
const native = (variant: string, compiler = 'g++ 12.2.0'): RunKernels => ({
  backend: 'native',
  variant,
  simd: variant,
  cpuFeatures: variant === 'baseline' ? [] : ['avx2', 'fma'],
  compiler,
  flags: `-O3 -march=${variant}`,
  bits: `${variant} a1b2c3`,
});
const row = (step: number) => ({
  step,
  dLoss: 1,
  gLoss: 1,
  dReal: 0.5,
  dFake: 0.5,
  lrD: 1e-3,
  lrG: 1e-3,
  gradNormD: 0,
  gradNormG: 0,
});

describe('RunRecorder', () => {
  it('starts a run, throttles its progress, and records how it ended', () => {
    let now = 0;
    const recorder = RunRecorder.start(run(), () => now);
    expect(readMetaSync(runDir)).toMatchObject({ status: 'running', step: 0, totalSteps: 50, name: 'rec' });
    recorder.metrics(row(1));
    now = META_INTERVAL_MS; // not yet
    recorder.progress(1, 99);
    expect(readMetaSync(runDir).step).toBe(0);
    now = META_INTERVAL_MS + 1;
    recorder.progress(2, 99);
    expect(readMetaSync(runDir)).toMatchObject({ step: 2, stepsPerSec: 99 });
    expect(existsSync(evalPath(runDir))).toBe(false); // no evaluation, no eval.jsonl
    recorder.closeMetrics();
    recorder.diverged(3);
    recorder.finish({ status: 'diverged', step: 2, stepsPerSec: 12.5, error: null });
    expect(readMetaSync(runDir)).toMatchObject({
      status: 'diverged',
      step: 2,
      divergedAt: 3,
      stepsPerSec: 12.5,
    });
    expect(readMetaSync(runDir).endedAt).not.toBeNull();
    expect(readFileSync(metricsPath(runDir), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('resumes: drops the rows logged after the checkpoint and takes the last evaluation kept', () => {
    const first = RunRecorder.start(run());
    for (const step of [10, 20, 30]) first.metrics(row(step));
    first.evaluation({ step: 20, modes: 8 });
    first.evaluation({ step: 30, modes: 7 });
    first.closeMetrics();
    first.finish({ status: 'interrupted', step: 30, stepsPerSec: null, error: null });

    const resumed = RunRecorder.resume(run(), { path: 'checkpoints/step-000020.safetensors', step: 20 });
    const steps = readFileSync(metricsPath(runDir), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
    expect(steps).toEqual([10, 20]);
    expect(readMetaSync(runDir)).toMatchObject({
      status: 'running',
      step: 20,
      endedAt: null,
      resumedFrom: 'checkpoints/step-000020.safetensors',
      latestEval: { step: 20, modes: 8 },
    });
    resumed.closeMetrics();

    // The evaluation a stopped run made at its last step (off the every-10 schedule) is dropped
    // when it resumes from that step: it goes on as if never stopped.
    const stopped = RunRecorder.start(run());
    stopped.evaluation({ step: 25, modes: 6 });
    stopped.closeMetrics();
    stopped.finish({ status: 'interrupted', step: 25, stepsPerSec: null, error: null });
    RunRecorder.resume(run(), { path: 'checkpoints/step-000025.safetensors', step: 25 }).closeMetrics();
    expect(readMetaSync(runDir).latestEval).toMatchObject({ step: 20 });
  });

  it('records the kernels, and which computed which steps when a resume changes them', () => {
    const avx512 = native('avx512');
    const avx2 = native('avx2');
    const first = RunRecorder.start(run(avx512));
    expect(first.kernelsWarning).toBeNull();
    expect(readMetaSync(runDir)).toMatchObject({ backend: 'native', kernels: avx512, kernelHistory: [] });
    first.closeMetrics();
    first.finish({ status: 'interrupted', step: 30, stepsPerSec: null, error: null });

    // The same kernels: nothing to say, nothing to keep.
    const same = RunRecorder.resume(run(avx512), { path: 'checkpoints/step-000030.safetensors', step: 30 });
    expect(same.kernelsWarning).toBeNull();
    expect(readMetaSync(runDir).kernelHistory).toEqual([]);
    same.closeMetrics();
    same.finish({ status: 'interrupted', step: 40, stepsPerSec: null, error: null });

    const other = RunRecorder.resume(run(avx2), { path: 'checkpoints/step-000040.safetensors', step: 40 });
    expect(other.kernelsWarning).toBe(
      'resuming on avx2 kernels (g++ 12.2.0); steps 0-40 were computed by avx512 kernels (g++ 12.2.0): ' +
        'the results can differ in their last bits from an uninterrupted run',
    );
    expect(readMetaSync(runDir)).toMatchObject({
      kernels: avx2,
      kernelHistory: [{ fromStep: 0, toStep: 40, kernels: avx512 }],
    });
    other.closeMetrics();
    other.finish({ status: 'interrupted', step: 45, stepsPerSec: null, error: null });

    // A float64 run computes on the reference backend whatever the thread's backend.
    const f64 = RunRecorder.resume(
      { ...run(avx2), config: ringConfig('rec', { train: { steps: 50, precision: 'float64' } }) },
      { path: 'checkpoints/step-000045.safetensors', step: 45 },
    );
    expect(f64.kernelsWarning).toBe(
      "resuming on the reference backend's kernels; steps 0-40 were computed by avx512 kernels " +
        '(g++ 12.2.0), steps 40-45 by avx2 kernels (g++ 12.2.0): the results can differ in their last ' +
        'bits from an uninterrupted run',
    );
    expect(readMetaSync(runDir)).toMatchObject({ backend: 'reference', kernels: kernelsNamed('reference') });
    f64.closeMetrics();
  });
});
