/**
 * The kernel interface. Every numerical op of the project ends in one of these methods, on flat
 * typed arrays with explicit sizes, so a faster backend (SIMD, native, threads) replaces the
 * plain-TypeScript reference without touching nn or optim. A backend that misses a kernel does
 * not compile. All arrays of one call have one dtype: float32, or float64 for the backend that
 * {@link backendFor} picks for float64 data (the reference backend's loops serve both).
 *
 * Contract for every kernel: inputs and outputs may alias only where the doc says so; sizes are
 * trusted (the ops layer checks shapes before calling); results must not depend on how a backend
 * splits work across threads (split by output rows, never reorder a reduction).
 */

import { ReferenceBackend } from './backends/reference.ts';
import type { FloatArray } from './tensor.ts';

export type ActivationKind = 'identity' | 'relu' | 'leakyRelu' | 'tanh' | 'atan' | 'sigmoid';
export const ACTIVATION_KINDS: readonly ActivationKind[] = [
  'identity',
  'relu',
  'leakyRelu',
  'tanh',
  'atan',
  'sigmoid',
];

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';
export type UnaryOp = 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'square' | 'sign';

export interface AdamKernelArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Divisor of the first moment: `1 - beta1^t` (Kingma & Ba) or `1 - beta1` (the seed's constant). */
  c1: number;
  /** Divisor of the second moment: `1 - beta2^t` or `1 - beta2`. */
  c2: number;
}

export interface Backend {
  readonly name: string;

  /**
   * General matrix multiply, row-major: `C[m,n] = op(A) · op(B)`, plus the old C when `accumulate`.
   * `op(A)` is `A[m,k]`, or `Aᵀ` of a stored `A[k,m]` when `transA`; likewise `op(B)` is `B[k,n]`
   * or `Bᵀ` of a stored `B[n,k]`. C must not alias A or B.
   */
  gemm(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
  ): void;

  /** `out[r,c] = x[r,c] + bias[c]`. `out` may alias `x`. */
  addBias(x: FloatArray, bias: FloatArray, out: FloatArray, rows: number, cols: number): void;

  /** `out[o,i] = Σ_j x[o,j,i]` over a tensor viewed as [outer, len, inner] (plus old out if `accumulate`). */
  sumAxis(
    x: FloatArray,
    out: FloatArray,
    outer: number,
    len: number,
    inner: number,
    accumulate: boolean,
  ): void;

  /** Σ x², accumulated in float64 (for gradient norms). */
  sumSquares(x: FloatArray, n: number): number;

  /** `out = f(x)` elementwise. `slope` is LeakyReLU's negative slope. `out` may alias `x`. */
  activation(kind: ActivationKind, x: FloatArray, out: FloatArray, n: number, slope: number): void;

  /**
   * `dx = dy · f'(x)` elementwise, given the pre-activation `x` and the output `y = f(x)` (kernels
   * use whichever is cheaper: sigmoid and tanh use y). `dx` may alias `dy`.
   */
  activationGrad(
    kind: ActivationKind,
    x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    n: number,
    slope: number,
  ): void;

  /** `out = a op b` elementwise over n values. `out` may alias either input. */
  binary(op: BinaryOp, a: FloatArray, b: FloatArray, out: FloatArray, n: number): void;

  /** `out[r,c] = a[r,c] op row[c]` (row broadcasting, as for biases). `out` may alias `a`. */
  binaryRow(op: BinaryOp, a: FloatArray, row: FloatArray, out: FloatArray, rows: number, cols: number): void;

  /** `out = a op s` for a scalar s. `out` may alias `a`. */
  binaryScalar(op: BinaryOp, a: FloatArray, s: number, out: FloatArray, n: number): void;

  /** `out = op(x)` elementwise. `out` may alias `x`. */
  unary(op: UnaryOp, x: FloatArray, out: FloatArray, n: number): void;

  /**
   * One fused Adam step over a parameter tensor, in place and without temporaries:
   * `m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; p -= lr · (m / c1) / (sqrt(v / c2) + eps)`.
   */
  adam(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, n: number, args: AdamKernelArgs): void;

  /**
   * One fused SGD step, in place. With `momentum > 0`: `buf = momentum · buf + g` (PyTorch's form,
   * no dampening), then `p -= lr · buf`, or `p -= lr · (g + momentum · buf)` when `nesterov`.
   */
  sgd(
    p: FloatArray,
    g: FloatArray,
    buf: FloatArray | null,
    n: number,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;

  // -------------------------------------------------------------------------------------------
  // Convolution and per-channel statistics. Images are NCHW: a batch `[n, c, h, w]`, row-major,
  // which is the same memory as this project's `[n, c·h·w]` rows. `cols` is im2col's matrix
  // `[c·kh·kw, n·oh·ow]`: row `(ci·kh + ky)·kw + kx`, column `(b·oh + oy)·ow + ox`, so one GEMM
  // with a weight `[cOut, c·kh·kw]` gives every output pixel of the batch (then `swapAxes`).

  /**
   * `cols[(ci·kh+ky)·kw+kx, (b·oh+oy)·ow+ox] = x[b, ci, oy·strideH - padH + ky, ox·strideW - padW + kx]`,
   * 0 where that index falls outside the image (zero padding). `oh`, `ow` are the output sizes
   * `floor((h + 2·padH - kh) / strideH) + 1` (likewise w); the caller computes them.
   */
  im2col(
    x: FloatArray,
    cols: FloatArray,
    n: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    oh: number,
    ow: number,
  ): void;

  /**
   * The adjoint of `im2col`: every entry of `cols` added into the pixel of `x` it was read from
   * (entries that read padding are dropped), into a zeroed `x` unless `accumulate`. Each pixel sums
   * its contributions in the order of `cols`' rows, then columns (ci, ky, kx, b, oy, ox).
   */
  col2im(
    cols: FloatArray,
    x: FloatArray,
    n: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    oh: number,
    ow: number,
    accumulate: boolean,
  ): void;

  /** `out[j, i, k] = x[i, j, k]` for `x` viewed as `[a, b, inner]`. `out` must not alias `x`. */
  swapAxes(x: FloatArray, out: FloatArray, a: number, b: number, inner: number): void;

  /**
   * Per channel of `x` viewed as `[n, c, s]`: the mean and the biased variance (divisor n·s) over
   * its n·s values, in float64 (two passes: the mean, then the squared deviations from it).
   */
  channelMoments(
    x: FloatArray,
    mean: FloatArray,
    variance: FloatArray,
    n: number,
    c: number,
    s: number,
  ): void;

  /**
   * Per channel of `a` (and `b`) viewed as `[n, c, s]`: `sumA[ch] = Σ a` and, when `b` is given,
   * `sumAB[ch] = Σ a·b`, over the channel's n·s values, accumulated in float64.
   */
  channelSums(
    a: FloatArray,
    b: FloatArray | null,
    sumA: FloatArray,
    sumAB: FloatArray | null,
    n: number,
    c: number,
    s: number,
  ): void;

  /**
   * `out[i, ch, k] = a[i, ch, k]·sa[ch] + b[i, ch, k]·sb[ch] + shift[ch]` over `[n, c, s]`; without
   * `b` (null) the middle term is absent. `out` may alias `a` or `b`.
   */
  channelAffine(
    a: FloatArray,
    sa: FloatArray,
    b: FloatArray | null,
    sb: FloatArray | null,
    shift: FloatArray,
    out: FloatArray,
    n: number,
    c: number,
    s: number,
  ): void;
}

let current: Backend | undefined;
let float64: Backend | undefined;

/** Sets the backend every op uses from now on (process-wide, like numpy's single implementation). */
export function setBackend(backend: Backend): void {
  current = backend;
}

/** The backend in use: the reference backend unless another one was set. */
export function backend(): Backend {
  if (current === undefined) current = new ReferenceBackend();
  return current;
}

/**
 * Sets the backend that computes on float64 arrays (the reference backend unless set): a backend's
 * kernels may be float32 only, so float64 tensors have their own.
 */
export function setFloat64Backend(backend: Backend): void {
  float64 = backend;
}

/**
 * The backend for an op whose output is `data`: {@link backend} for float32, the float64 backend
 * for float64. Every op dispatches through this, so one process can hold tensors of both dtypes.
 */
export function backendFor(data: FloatArray): Backend {
  if (data instanceof Float64Array) {
    if (float64 === undefined) float64 = new ReferenceBackend();
    return float64;
  }
  if (current === undefined) current = new ReferenceBackend();
  return current;
}
