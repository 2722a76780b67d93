import type { Backend, BinaryOp, UnaryOp } from '../backend.ts';

/**
 * The plain-TypeScript reference backend: simple loops, sums accumulated in float64. It is the
 * oracle the fast backend is tested against, and the fallback wherever that one cannot load.
 * Scratch space is kept between calls, so the hot path allocates nothing once warm. Each kernel
 * takes its signature from the Backend interface (backend.ts), the one place it is written.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  private scratch = new Float64Array(1024);

  private acc(n: number): Float64Array {
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
    return this.scratch;
  }

  readonly gemm: Backend['gemm'] = (a, b, c, m, n, k, transA, transB, accumulate) => {
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
  };

  readonly addBias: Backend['addBias'] = (x, bias, out, rows, cols) => {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = x[o + c] + bias[c];
    }
  };

  readonly sumAxis: Backend['sumAxis'] = (x, out, outer, len, inner, accumulate) => {
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
  };

  readonly sumSquares: Backend['sumSquares'] = (x, n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i] * x[i];
    return s;
  };

  readonly activation: Backend['activation'] = (kind, x, out, n, slope) => {
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
  };

  readonly activationGrad: Backend['activationGrad'] = (kind, x, y, dy, dx, n, slope) => {
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
  };

  readonly binary: Backend['binary'] = (op, a, b, out, n) => {
    const f = BINARY[op];
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  };

  readonly binaryRow: Backend['binaryRow'] = (op, a, row, out, rows, cols) => {
    const f = BINARY[op];
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = f(a[o + c], row[c]);
    }
  };

  readonly binaryScalar: Backend['binaryScalar'] = (op, a, s, out, n) => {
    const f = BINARY[op];
    for (let i = 0; i < n; i++) out[i] = f(a[i], s);
  };

  readonly unary: Backend['unary'] = (op, x, out, n) => {
    const f = UNARY[op];
    for (let i = 0; i < n; i++) out[i] = f(x[i]);
  };

  readonly adam: Backend['adam'] = (p, g, m, v, n, args) => {
    const { lr, beta1, beta2, eps, c1, c2 } = args;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  };

  readonly sgd: Backend['sgd'] = (p, g, buf, n, lr, momentum, nesterov) => {
    if (buf === null || momentum === 0) {
      for (let i = 0; i < n; i++) p[i] -= lr * g[i];
      return;
    }
    for (let i = 0; i < n; i++) {
      const b = momentum * buf[i] + g[i];
      buf[i] = b;
      p[i] -= lr * (nesterov ? g[i] + momentum * b : b);
    }
  };

  readonly im2col: Backend['im2col'] = (x, cols, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow) => {
    const ncols = n * oh * ow;
    for (let ci = 0; ci < c; ci++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const row = ((ci * kh + ky) * kw + kx) * ncols;
          for (let b = 0; b < n; b++) {
            const plane = (b * c + ci) * h * w;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh - ph + ky;
              const o = row + (b * oh + oy) * ow;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * sw - pw + kx;
                cols[o + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + iy * w + ix] : 0;
              }
            }
          }
        }
      }
    }
  };

  readonly col2im: Backend['col2im'] = (cols, x, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, accumulate) => {
    if (!accumulate) x.fill(0, 0, n * c * h * w);
    const ncols = n * oh * ow;
    for (let ci = 0; ci < c; ci++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const row = ((ci * kh + ky) * kw + kx) * ncols;
          for (let b = 0; b < n; b++) {
            const plane = (b * c + ci) * h * w;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * sh - ph + ky;
              if (iy < 0 || iy >= h) continue;
              const o = row + (b * oh + oy) * ow;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * sw - pw + kx;
                if (ix >= 0 && ix < w) x[plane + iy * w + ix] += cols[o + ox];
              }
            }
          }
        }
      }
    }
  };

  readonly swapAxes: Backend['swapAxes'] = (x, out, a, b, inner) => {
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < b; j++) {
        const src = (i * b + j) * inner;
        const dst = (j * a + i) * inner;
        for (let k = 0; k < inner; k++) out[dst + k] = x[src + k];
      }
    }
  };

  readonly channelMoments: Backend['channelMoments'] = (x, mean, variance, n, c, s) => {
    const count = n * s;
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * s;
        for (let k = 0; k < s; k++) sum += x[o + k];
      }
      const mu = sum / count;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * s;
        for (let k = 0; k < s; k++) {
          const d = x[o + k] - mu;
          sq += d * d;
        }
      }
      mean[ch] = mu;
      variance[ch] = sq / count;
    }
  };

  readonly channelSums: Backend['channelSums'] = (a, b, sumA, sumAB, n, c, s) => {
    for (let ch = 0; ch < c; ch++) {
      let sa = 0;
      let sab = 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * s;
        for (let k = 0; k < s; k++) {
          sa += a[o + k];
          if (b !== null) sab += a[o + k] * b[o + k];
        }
      }
      sumA[ch] = sa;
      if (b !== null && sumAB !== null) sumAB[ch] = sab;
    }
  };

  readonly channelAffine: Backend['channelAffine'] = (a, sa, b, sb, shift, out, n, c, s) => {
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const o = (i * c + ch) * s;
        const fa = sa[ch];
        const t = shift[ch];
        if (b === null || sb === null) {
          for (let k = 0; k < s; k++) out[o + k] = a[o + k] * fa + t;
        } else {
          const fb = sb[ch];
          for (let k = 0; k < s; k++) out[o + k] = a[o + k] * fa + b[o + k] * fb + t;
        }
      }
    }
  };
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
