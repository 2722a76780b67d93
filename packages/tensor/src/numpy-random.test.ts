/**
 * numpy's legacy stream against numpy itself (Debian's python3-numpy): the same seeds and calls
 * must give the same values. Every draw kind is bit-identical except `gauss`, whose log and sqrt
 * are V8's and not glibc's: the stream consumed is the same (the draws after each normal value
 * agree exactly), and the normal values agree to a few units in the last place.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandRuns, itWith, type Requirement } from '../../../test-support/requirements.ts';
import { NumpyRandomState } from './numpy-random.ts';

const numpy: Requirement = {
  missing: commandRuns('python3', ['-c', 'import numpy']) ? null : 'python3 with numpy not found',
  enable: 'apt-get install python3-numpy (pnpm test installs it)',
};

const SEEDS = [0, 1, 127, 32432, 4294967295];

const REFERENCE = `
import json, sys
import numpy as np
out = {}
for seed in ${JSON.stringify(SEEDS)}:
    np.random.seed(seed)
    r = {}
    r['sample'] = np.random.random_sample(2000).tolist()
    r['normal1'] = np.random.normal(0, 1, 1001).tolist()
    r['normal2'] = np.random.normal(2, 3, 1000).tolist()
    r['uniform'] = np.random.uniform(-1, 1, 1000).tolist()
    r['randint10'] = np.random.randint(0, 10, 1000).tolist()
    r['randintBig'] = [int(np.random.randint(5, 2**31)) for _ in range(300)]
    r['randintImages'] = [int(np.random.randint(10000 - 5)) for _ in range(300)]
    r['mixed'] = [float(np.random.normal()), int(np.random.randint(100)), float(np.random.normal()), float(np.random.normal())]
    a = np.arange(10000); np.random.shuffle(a); r['shuffle'] = a.tolist()
    r['after'] = np.random.random_sample(10).tolist()
    out[str(seed)] = r
json.dump(out, sys.stdout)
`;

/** The same calls on our stream. */
function ours(seed: number): Record<string, number[]> {
  const rs = new NumpyRandomState(seed);
  const a = Array.from({ length: 10000 }, (_, i) => i);
  const out: Record<string, number[]> = {
    sample: Array.from({ length: 2000 }, () => rs.randomSample()),
    normal1: Array.from(rs.normal(0, 1, new Float64Array(1001))),
    normal2: Array.from(rs.normal(2, 3, new Float64Array(1000))),
    uniform: Array.from(rs.uniform(-1, 1, new Float64Array(1000))),
    randint10: Array.from({ length: 1000 }, () => rs.randint(0, 10)),
    randintBig: Array.from({ length: 300 }, () => rs.randint(5, 2 ** 31)),
    randintImages: Array.from({ length: 300 }, () => rs.randint(0, 10000 - 5)),
    mixed: [rs.gauss(), rs.randint(0, 100), rs.gauss(), rs.gauss()],
  };
  rs.shuffle(a.length, (i, j) => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  });
  out.shuffle = a;
  out.after = Array.from({ length: 10 }, () => rs.randomSample());
  return out;
}

const NORMAL_KEYS = new Set(['normal1', 'normal2']);

describe("numpy's legacy RandomState", () => {
  itWith(numpy, 'gives numpy values for each draw kind, several seeds and a call sequence', () => {
    const run = spawnSync('python3', ['-c', REFERENCE], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const reference = JSON.parse(run.stdout) as Record<string, Record<string, number[]>>;
    for (const seed of SEEDS) {
      const want = reference[String(seed)];
      const got = ours(seed);
      for (const key of Object.keys(want)) {
        if (NORMAL_KEYS.has(key) || key === 'mixed') {
          expect(got[key].length, `${seed} ${key}`).toBe(want[key].length);
          for (let i = 0; i < want[key].length; i++) {
            const tol = 8 * Number.EPSILON * Math.max(1, Math.abs(want[key][i]));
            expect(Math.abs(got[key][i] - want[key][i]), `${seed} ${key}[${i}]`).toBeLessThanOrEqual(tol);
          }
        } else {
          expect(got[key], `${seed} ${key}`).toEqual(want[key]);
        }
      }
    }
  });

  it('refuses seeds numpy refuses', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(RangeError);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new NumpyRandomState(1.5)).toThrow(RangeError);
  });
});
