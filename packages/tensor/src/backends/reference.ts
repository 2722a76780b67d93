import type { ActivationKind, AdamKernelArgs, Backend, BinaryOp, UnaryOp } from '../backend.ts';

/**
 * The plain-TypeScript reference backend: simple loops, sums accumulated in float64. It is the
 * oracle the fast backend is tested against, and the fallback wherever that one cannot load.
 * Scratch space is kept between calls, so the hot path allocates nothing once warm.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  private scratch = new Float64Array(1024);

  private acc(n: number): Float64Array {
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
    return this.scratch;
  }

  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
  ): void {
    if (!transB) {
      // Row i of C is a combination of rows of B: acc += op(A)[i,p] * B[p,:].
      const acc = this.acc(n);
      for (let i = 0; i < m; i++) {
        acc.fill(0, 0, n);
        for (let p = 0; p < k; p++) {
          const aip = transA ? a[p * m + i] : a[i * k + p];
          if (aip === 0) continue;
          const bo = p * n;
          for (let j = 0; j < n; j++) acc[j] += aip * b[bo + j];
        }
        const co = i * n;
        if (accumulate) for (let j = 0; j < n; j++) c[co + j] += acc[j];
        else for (let j = 0; j < n; j++) c[co + j] = acc[j];
      }
      return;
    }
    // B stored [n,k]: C[i,j] is a dot product of row i of op(A) with row j of B.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bo = j * k;
        if (transA) for (let p = 0; p < k; p++) s += a[p * m + i] * b[bo + p];
        else {
          const ao = i * k;
          for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
        }
        c[i * n + j] = accumulate ? c[i * n + j] + s : s;
      }
    }
  }

  addBias(x: Float32Array, bias: Float32Array, out: Float32Array, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = x[o + c] + bias[c];
    }
  }

  sumAxis(
    x: Float32Array,
    out: Float32Array,
    outer: number,
    len: number,
    inner: number,
    accumulate: boolean,
  ): void {
    const acc = this.acc(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(0, 0, inner);
      for (let j = 0; j < len; j++) {
        const base = (o * len + j) * inner;
        for (let i = 0; i < inner; i++) acc[i] += x[base + i];
      }
      const ob = o * inner;
      if (accumulate) for (let i = 0; i < inner; i++) out[ob + i] += acc[i];
      else for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
    }
  }

  sumSquares(x: Float32Array, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    return s;
  }

  activation(kind: ActivationKind, x: Float32Array, out: Float32Array, n: number, slope: number): void {
    switch (kind) {
      case 'identity':
        if (out !== x) out.set(x.subarray(0, n));
        return;
      case 'relu':
        for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
        return;
      case 'leakyRelu':
        for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : slope * x[i];
        return;
      case 'tanh':
        for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
        return;
      case 'atan':
        for (let i = 0; i < n; i++) out[i] = Math.atan(x[i]);
        return;
      case 'sigmoid':
        for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]);
        return;
    }
  }

  activationGrad(
    kind: ActivationKind,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
    slope: number,
  ): void {
    switch (kind) {
      case 'identity':
        if (dx !== dy) dx.set(dy.subarray(0, n));
        return;
      case 'relu':
        for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
        return;
      case 'leakyRelu':
        for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
        return;
      case 'tanh':
        for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
        return;
      case 'atan':
        for (let i = 0; i < n; i++) dx[i] = dy[i] / (1 + x[i] * x[i]);
        return;
      case 'sigmoid':
        for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
        return;
    }
  }

  binary(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
    const f = BINARY[op];
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  }

  binaryRow(
    op: BinaryOp,
    a: Float32Array,
    row: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
  ): void {
    const f = BINARY[op];
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = f(a[o + c], row[c]);
    }
  }

  binaryScalar(op: BinaryOp, a: Float32Array, s: number, out: Float32Array, n: number): void {
    const f = BINARY[op];
    for (let i = 0; i < n; i++) out[i] = f(a[i], s);
  }

  unary(op: UnaryOp, x: Float32Array, out: Float32Array, n: number): void {
    const f = UNARY[op];
    for (let i = 0; i < n; i++) out[i] = f(x[i]);
  }

  adam(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    args: AdamKernelArgs,
  ): void {
    const { lr, beta1, beta2, eps, c1, c2 } = args;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }

  sgd(
    p: Float32Array,
    g: Float32Array,
    buf: Float32Array | null,
    n: number,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void {
    if (buf === null || momentum === 0) {
      for (let i = 0; i < n; i++) p[i] -= lr * g[i];
      return;
    }
    for (let i = 0; i < n; i++) {
      const b = momentum * buf[i] + g[i];
      buf[i] = b;
      p[i] -= lr * (nesterov ? g[i] + momentum * b : b);
    }
  }
}

/** Overflow-free logistic function. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => Math.max(a, b),
  min: (a, b) => Math.min(a, b),
};

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  square: (x) => x * x,
  sign: (x) => Math.sign(x),
};
