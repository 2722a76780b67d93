/**
 * Dense symmetric linear algebra in float64, for statistics rather than training: the symmetric
 * eigendecomposition, the square root of a positive semi-definite matrix, the mean and covariance
 * of a set of rows, and the Fréchet distance between two Gaussians (the distance behind FID).
 *
 * Matrices are row-major `Float64Array`s of `n * n` values. Float64 throughout: a covariance of
 * a few hundred features, accumulated in float32, loses the digits the Fréchet distance needs.
 */

/** The result of {@link symmetricEigen}. */
export interface SymmetricEigen {
  /** `n` eigenvalues, ascending. */
  values: Float64Array;
  /**
   * `n * n`, row-major; column `k` (entries `vectors[i * n + k]`) is the unit eigenvector of
   * `values[k]`, so that `A = V · diag(values) · Vᵀ`.
   */
  vectors: Float64Array;
}

function checkSquare(op: string, a: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${op}: n must be an integer >= 1, got ${n}`);
  if (a.length !== n * n) {
    throw new RangeError(`${op}: expected an ${n}x${n} matrix (${n * n} values), got ${a.length} values`);
  }
}

/**
 * Eigenvalues and eigenvectors of a real symmetric matrix: Householder reduction to tridiagonal
 * form, then the implicit QL algorithm with Wilkinson shifts (EISPACK's `tred2` and `tql2`, as in
 * JAMA). O(n³); about 10 n³ flops. Only the lower triangle of `a` is read; `a` is not modified.
 *
 * ```ts
 * const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
 * values;  // [1, 3]
 * vectors; // columns ±[1, -1]/√2 and ±[1, 1]/√2
 * ```
 * @throws RangeError when `a` is not `n * n` values or holds a non-finite value; Error when QL
 *   does not converge (which takes a pathological input).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  checkSquare('symmetricEigen', a, n);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a[i * n + j];
      if (!Number.isFinite(x)) {
        throw new RangeError(`symmetricEigen: entry (${i}, ${j}) is ${x}; the matrix must be finite`);
      }
      v[i * n + j] = x;
      v[j * n + i] = x;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(n, v, d, e);
  tql2(n, v, d, e);
  return { values: d, vectors: v };
}

/** Householder tridiagonalisation: on exit `v` holds the orthogonal transform, `d` the diagonal, `e` the sub-diagonal. */
function tred2(n: number, v: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    // Scale to avoid under/overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      // Generate the Householder vector.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // Apply the similarity transformation to the remaining columns.
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[j * n + i] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j] * d[k];
          e[k] += v[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[k * n + j] -= f * e[k] + g * d[k];
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
        for (let k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e), accumulating rotations into `v`; sorts ascending. */
function tql2(n: number, v: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    // Find a small sub-diagonal element.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    // m === l: d[l] is already an eigenvalue; otherwise iterate.
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`symmetricEigen: QL did not converge for eigenvalue ${l} of ${n}`);
        // Compute the implicit shift.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Implicit QL transformation.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          // Accumulate the rotation.
          for (let k = 0; k < n; k++) {
            h = v[k * n + i + 1];
            v[k * n + i + 1] = s * v[k * n + i] + c * h;
            v[k * n + i] = c * v[k * n + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  // Selection sort of eigenvalues (and their vectors) into ascending order.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      for (let j = 0; j < n; j++) {
        const t = v[j * n + i];
        v[j * n + i] = v[j * n + k];
        v[j * n + k] = t;
      }
    }
  }
}

/** `V · diag(f(λ)) · Vᵀ` for an eigendecomposition. */
function rebuild(eig: SymmetricEigen, n: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors } = eig;
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = f(values[k]);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * w[k] * vectors[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * The symmetric square root `A^½` of a positive semi-definite matrix (`A^½ · A^½ = A`), through
 * its eigendecomposition. NOTE: eigenvalues below zero, which rounding produces for a singular
 * covariance (fewer samples than features), are treated as zero.
 *
 * ```ts
 * sqrtPsd(Float64Array.of(4, 0, 0, 9), 2); // [2, 0, 0, 3]
 * ```
 */
export function sqrtPsd(a: ArrayLike<number>, n: number): Float64Array {
  checkSquare('sqrtPsd', a, n);
  return rebuild(symmetricEigen(a, n), n, (l) => Math.sqrt(Math.max(l, 0)));
}

/** `a · b` of two n x n matrices. */
function matmul64(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[o + k];
      if (aik === 0) continue;
      const bo = k * n;
      for (let j = 0; j < n; j++) out[o + j] += aik * b[bo + j];
    }
  }
  return out;
}

/**
 * The Fréchet (2-Wasserstein) distance between N(mu1, s1) and N(mu2, s2) in `n` dimensions:
 *
 * ```
 * d² = ‖mu1 - mu2‖² + Tr(s1) + Tr(s2) - 2 Tr((s1^½ · s2 · s1^½)^½)
 * ```
 * The symmetric form of the last term equals FID's `Tr((s1 · s2)^½)` and needs only symmetric
 * eigendecompositions. The result is the squared distance (as FID reports it), in the squared
 * units of the features; rounding can make it a hair below zero, so it is clamped at 0.
 *
 * ```ts
 * // Two 1-d Gaussians: (m1 - m2)² + (σ1 - σ2)²
 * frechetDistance(Float64Array.of(0), Float64Array.of(1), Float64Array.of(3), Float64Array.of(4), 1); // 9 + 1 = 10
 * ```
 * @param mu1 `[n]` mean
 * @param s1 `[n, n]` covariance (symmetric positive semi-definite)
 */
export function frechetDistance(
  mu1: ArrayLike<number>,
  s1: ArrayLike<number>,
  mu2: ArrayLike<number>,
  s2: ArrayLike<number>,
  n: number,
): number {
  checkSquare('frechetDistance (s1)', s1, n);
  checkSquare('frechetDistance (s2)', s2, n);
  if (mu1.length !== n || mu2.length !== n) {
    throw new RangeError(`frechetDistance: means must have ${n} values, got ${mu1.length} and ${mu2.length}`);
  }
  let diff = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    diff += (mu1[i] - mu2[i]) ** 2;
    trace += s1[i * n + i] + s2[i * n + i];
  }
  const r = sqrtPsd(s1, n);
  const s2f = Float64Array.from(s2);
  const m = matmul64(matmul64(r, s2f, n), r, n);
  // r·s2·r is symmetric in exact arithmetic; symmetrise so the eigensolver sees what it expects.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const avg = 0.5 * (m[i * n + j] + m[j * n + i]);
      m[i * n + j] = avg;
      m[j * n + i] = avg;
    }
  }
  const { values } = symmetricEigen(m, n);
  let traceSqrt = 0;
  for (let k = 0; k < n; k++) traceSqrt += Math.sqrt(Math.max(values[k], 0));
  return Math.max(0, diff + trace - 2 * traceSqrt);
}

/**
 * The mean and the unbiased covariance (divisor `count - 1`, as numpy's `np.cov`) of `count` rows
 * of `dim` values, accumulated in float64 after subtracting the mean (two passes, no
 * catastrophic cancellation).
 *
 * ```ts
 * const { mean, cov } = meanAndCovariance(features.data, 1000, 256); // cov: 256 x 256
 * ```
 * @param rows `count * dim` values, row-major
 * @throws RangeError with fewer than two rows or a wrong length
 */
export function meanAndCovariance(
  rows: ArrayLike<number>,
  count: number,
  dim: number,
): { mean: Float64Array; cov: Float64Array } {
  if (!Number.isInteger(count) || count < 2) {
    throw new RangeError(`meanAndCovariance: needs at least 2 rows, got ${count}`);
  }
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`meanAndCovariance: dim must be an integer >= 1, got ${dim}`);
  if (rows.length !== count * dim) {
    throw new RangeError(
      `meanAndCovariance: ${count} rows of ${dim} need ${count * dim} values, got ${rows.length}`,
    );
  }
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) mean[j] += rows[o + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) c[j] = rows[o + j] - mean[j];
    // Upper triangle only; mirrored below.
    for (let i = 0; i < dim; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      const io = i * dim;
      for (let j = i; j < dim; j++) cov[io + j] += ci * c[j];
    }
  }
  const scale = 1 / (count - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const x = cov[i * dim + j] * scale;
      cov[i * dim + j] = x;
      cov[j * dim + i] = x;
    }
  }
  return { mean, cov };
}
