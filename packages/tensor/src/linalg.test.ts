import { describe, expect, it } from 'vitest';
import { frechetDistance, meanAndCovariance, sqrtPsd, symmetricEigen } from './linalg.ts';
import { Rng } from './random.ts';

const rng = Rng.create(0, 'linalg-test');

function randomSymmetric(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = rng.normal();
      a[i * n + j] = x;
      a[j * n + i] = x;
    }
  }
  return a;
}

/** B·Bᵀ (+ optional ridge): symmetric positive semi-definite, of rank min(n, k) without the ridge. */
function randomPsd(n: number, k = n, ridge = 0): Float64Array {
  const b = new Float64Array(n * k);
  for (let i = 0; i < b.length; i++) b[i] = rng.normal();
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += b[i * k + p] * b[j * k + p];
      a[i * n + j] = s + (i === j ? ridge : 0);
    }
  }
  return a;
}

function mul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      out[i * n + j] = s;
    }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('symmetricEigen', () => {
  it('solves small matrices computed by hand', () => {
    // [[2,1],[1,2]]: eigenvalues 1 and 3, eigenvectors (1,-1)/√2 and (1,1)/√2.
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(1, 12);
    expect(values[1]).toBeCloseTo(3, 12);
    const r = Math.SQRT1_2;
    expect(Math.abs(vectors[0])).toBeCloseTo(r, 12);
    expect(vectors[2 * 1 + 0] / vectors[0]).toBeCloseTo(-1, 12); // column 0 is ±(1, -1)/√2
    expect(vectors[2 * 1 + 1] / vectors[1]).toBeCloseTo(1, 12); // column 1 is ±(1, 1)/√2

    // A diagonal matrix comes back sorted, with unit vectors.
    const diag = symmetricEigen(Float64Array.of(5, 0, 0, 0, -2, 0, 0, 0, 1), 3);
    expect(Array.from(diag.values)).toEqual([-2, 1, 5]);
    expect(Array.from(diag.vectors).map(Math.abs)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);

    // [[4,1,0],[1,4,1],[0,1,4]]: 4 - √2, 4, 4 + √2.
    const tri = symmetricEigen(Float64Array.of(4, 1, 0, 1, 4, 1, 0, 1, 4), 3);
    expect(tri.values[0]).toBeCloseTo(4 - Math.SQRT2, 12);
    expect(tri.values[1]).toBeCloseTo(4, 12);
    expect(tri.values[2]).toBeCloseTo(4 + Math.SQRT2, 12);

    const one = symmetricEigen(Float64Array.of(-7), 1);
    expect(Array.from(one.values)).toEqual([-7]);
    expect(Array.from(one.vectors)).toEqual([1]);
  });

  it.each([2, 5, 17, 64])(
    'reconstructs random symmetric %i x %i matrices as V diag(λ) Vᵀ with orthonormal V',
    (n) => {
      const a = randomSymmetric(n);
      const { values, vectors } = symmetricEigen(a, n);
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
      const vd = new Float64Array(n * n);
      const vt = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < n; k++) {
          vd[i * n + k] = vectors[i * n + k] * values[k];
          vt[k * n + i] = vectors[i * n + k];
        }
      expect(maxAbsDiff(mul(vd, vt, n), a)).toBeLessThan(1e-11 * n);
      const identity = new Float64Array(n * n);
      for (let i = 0; i < n; i++) identity[i * n + i] = 1;
      expect(maxAbsDiff(mul(vt, vectors, n), identity)).toBeLessThan(1e-12 * n);
      // The trace is the sum of the eigenvalues.
      let trace = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        trace += a[i * n + i];
        sum += values[i];
      }
      expect(sum).toBeCloseTo(trace, 10);
    },
  );

  it('handles repeated eigenvalues and a zero matrix', () => {
    const n = 6;
    const { values } = symmetricEigen(randomPsd(n, 2), n); // rank 2: four zero eigenvalues
    for (let k = 0; k < 4; k++) expect(Math.abs(values[k])).toBeLessThan(1e-12 * maxAbs(values));
    const zero = symmetricEigen(new Float64Array(9), 3);
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
  });

  it('rejects input that is not a finite n x n matrix', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(
      'symmetricEigen: expected an 2x2 matrix (4 values), got 5 values',
    );
    expect(() => symmetricEigen(new Float64Array(0), 0)).toThrow(/n must be an integer >= 1/);
    expect(() => symmetricEigen(Float64Array.of(1, 0, Number.NaN, 1), 2)).toThrow(/entry \(1, 0\) is NaN/);
  });
});

describe('sqrtPsd', () => {
  it('takes square roots of a diagonal by hand', () => {
    expect(Array.from(sqrtPsd(Float64Array.of(4, 0, 0, 9), 2))).toEqual([2, 0, 0, 3]);
  });

  it.each([
    ['full rank', 12, 12, 0.5],
    ['rank deficient', 12, 4, 0],
  ])('squares back to the matrix (%s)', (_, n, k, ridge) => {
    const a = randomPsd(n, k, ridge);
    const r = sqrtPsd(a, n);
    expect(
      maxAbsDiff(
        r,
        Array.from(r).map((_, idx) => r[(idx % n) * n + Math.floor(idx / n)]),
      ),
    ).toBe(0); // symmetric
    expect(maxAbsDiff(mul(r, r, n), a)).toBeLessThan(1e-9 * maxAbs(a));
    // The root of a PSD matrix is PSD.
    const { values } = symmetricEigen(r, n);
    expect(values[0]).toBeGreaterThan(-1e-7 * maxAbs(values));
  });
});

describe('frechetDistance', () => {
  const n = 8;
  const mu = Float64Array.from({ length: n }, () => rng.normal());
  const s = randomPsd(n, n, 0.1);

  it('is zero between a Gaussian and itself', () => {
    expect(frechetDistance(mu, s, mu, s, n)).toBeLessThan(1e-9);
    // Also for a singular covariance (fewer samples than features, as with small sample sets).
    const singular = randomPsd(n, 3);
    expect(frechetDistance(mu, singular, mu, singular, n)).toBeLessThan(1e-6);
  });

  it('is ‖shift‖² between shifted copies', () => {
    const shift = Float64Array.from({ length: n }, () => rng.normal(0, 2));
    const mu2 = mu.map((v, i) => v + shift[i]);
    let expected = 0;
    for (const d of shift) expected += d * d;
    expect(frechetDistance(mu, s, mu2, s, n)).toBeCloseTo(expected, 8);
  });

  it('matches the closed forms in 1-d and for diagonal covariances', () => {
    // (m1 - m2)² + (σ1 - σ2)²
    expect(
      frechetDistance(Float64Array.of(0), Float64Array.of(1), Float64Array.of(3), Float64Array.of(4), 1),
    ).toBeCloseTo(10, 12);
    // Σ (√a - √b)² for diagonal covariances with equal means.
    const a = [1, 4, 9];
    const b = [4, 4, 1];
    const diag = (xs: number[]) => {
      const m = new Float64Array(9);
      xs.forEach((x, i) => (m[i * 3 + i] = x));
      return m;
    };
    const z = new Float64Array(3);
    expect(frechetDistance(z, diag(a), z, diag(b), 3)).toBeCloseTo(1 + 0 + 4, 12);
  });

  it('is symmetric in its arguments and rejects mismatched sizes', () => {
    const mu2 = Float64Array.from({ length: n }, () => rng.normal());
    const s2 = randomPsd(n, n, 0.3);
    expect(frechetDistance(mu, s, mu2, s2, n)).toBeCloseTo(frechetDistance(mu2, s2, mu, s, n), 9);
    expect(() => frechetDistance(mu, s, mu2.subarray(1), s2, n)).toThrow(
      /means must have 8 values, got 8 and 7/,
    );
    expect(() => frechetDistance(mu, s, mu2, s2.subarray(1), n)).toThrow(
      /frechetDistance \(s2\): expected an 8x8 matrix/,
    );
  });
});

describe('meanAndCovariance', () => {
  it('matches numpy on a small example (unbiased, divisor n - 1)', () => {
    // np.mean / np.cov(rowvar=False) of [[1,2],[3,6],[5,7]]
    const { mean, cov } = meanAndCovariance(Float32Array.of(1, 2, 3, 6, 5, 7), 3, 2);
    expect(Array.from(mean)).toEqual([3, 5]);
    expect(Array.from(cov)).toEqual([4, 5, 5, 7]);
  });

  it('recovers the parameters of a sampled Gaussian, and feeds a Fréchet distance near zero', () => {
    const d = 3;
    const count = 20000;
    const rows = new Float64Array(count * d);
    // x = (z0, z0 + z1, 2 + 0.5 z2): covariance [[1,1,0],[1,2,0],[0,0,0.25]], mean [0,0,2].
    for (let r = 0; r < count; r++) {
      const z0 = rng.normal();
      const z1 = rng.normal();
      rows[r * d] = z0;
      rows[r * d + 1] = z0 + z1;
      rows[r * d + 2] = 2 + 0.5 * rng.normal();
    }
    const { mean, cov } = meanAndCovariance(rows, count, d);
    const expectedCov = [1, 1, 0, 1, 2, 0, 0, 0, 0.25];
    expect(maxAbsDiff(mean, [0, 0, 2])).toBeLessThan(0.05);
    expect(maxAbsDiff(cov, expectedCov)).toBeLessThan(0.06);
    const fd = frechetDistance(mean, cov, Float64Array.of(0, 0, 2), Float64Array.from(expectedCov), d);
    expect(fd).toBeLessThan(0.01);
  });

  it('rejects too few rows and a wrong length', () => {
    expect(() => meanAndCovariance(new Float32Array(4), 1, 4)).toThrow(/needs at least 2 rows, got 1/);
    expect(() => meanAndCovariance(new Float32Array(7), 2, 4)).toThrow(/2 rows of 4 need 8 values, got 7/);
  });
});
