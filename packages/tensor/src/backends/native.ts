import { createRequire } from 'node:module';
import type { ActivationKind, AdamKernelArgs, Backend, BinaryOp, UnaryOp } from '../backend.ts';

/** The functions of build/tensor_native.node (native/addon.cc); ops travel as integer codes. */
interface NativeAddon {
  readonly simd: string;
  readonly cores: number;
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
  ): void;
  addBias(x: Float32Array, bias: Float32Array, out: Float32Array, rows: number, cols: number): void;
  sumAxis(x: Float32Array, out: Float32Array, outer: number, len: number, inner: number, acc: boolean): void;
  sumSquares(x: Float32Array, n: number): number;
  activation(kind: number, x: Float32Array, out: Float32Array, n: number, slope: number): void;
  activationGrad(
    kind: number,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
    slope: number,
  ): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, n: number): void;
  binaryRow(
    op: number,
    a: Float32Array,
    row: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
  ): void;
  binaryScalar(op: number, a: Float32Array, s: number, out: Float32Array, n: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, n: number): void;
  adam(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void;
  sgd(
    p: Float32Array,
    g: Float32Array,
    buf: Float32Array | null,
    n: number,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  threads(): number;
  setThreads(n: number): void;
}

// NOTE: these codes must match the enums of native/kernels.h.
const ACTIVATION_CODE: Record<ActivationKind, number> = {
  identity: 0,
  relu: 1,
  leakyRelu: 2,
  tanh: 3,
  atan: 4,
  sigmoid: 5,
};
const BINARY_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };
const UNARY_CODE: Record<UnaryOp, number> = { neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, square: 5, sign: 6 };

/** Where `node scripts/build-native.mjs` (the package's install script) writes the addon. */
const ADDON_PATH = '../../build/tensor_native.node';

/**
 * The native backend: C++ kernels (AVX-512 / AVX2 with FMA, a blocked and packed GEMM, fused
 * optimiser steps) behind Node-API, with a persistent pool of worker threads. Results do not depend
 * on the thread count. Arrays may be `subarray` views; sizes are checked against their lengths
 * (a RangeError instead of a write out of bounds).
 *
 * ```ts
 * const loaded = loadNativeBackend();
 * if (loaded.backend) setBackend(loaded.backend);
 * else console.warn(loaded.reason);
 * ```
 */
export class NativeBackend implements Backend {
  readonly name = 'native';
  /** The instruction set the kernels were compiled for: 'avx512', 'avx2' or 'scalar'. */
  readonly simd: string;

  constructor(private readonly addon: NativeAddon) {
    this.simd = addon.simd;
  }

  /** Worker threads the kernels may use (process-wide; defaults to the available cores). */
  threads(): number {
    return this.addon.threads();
  }

  /** Sets the thread count (an integer in [1, 64]); results are the same for every count. */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new RangeError(`NativeBackend.setThreads: expected an integer in [1, 64], got ${n}`);
    }
    this.addon.setThreads(n);
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
    this.addon.gemm(a, b, c, m, n, k, transA, transB, accumulate);
  }

  addBias(x: Float32Array, bias: Float32Array, out: Float32Array, rows: number, cols: number): void {
    this.addon.addBias(x, bias, out, rows, cols);
  }

  sumAxis(
    x: Float32Array,
    out: Float32Array,
    outer: number,
    len: number,
    inner: number,
    accumulate: boolean,
  ): void {
    this.addon.sumAxis(x, out, outer, len, inner, accumulate);
  }

  sumSquares(x: Float32Array, n: number): number {
    return this.addon.sumSquares(x, n);
  }

  activation(kind: ActivationKind, x: Float32Array, out: Float32Array, n: number, slope: number): void {
    this.addon.activation(ACTIVATION_CODE[kind], x, out, n, slope);
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
    this.addon.activationGrad(ACTIVATION_CODE[kind], x, y, dy, dx, n, slope);
  }

  binary(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
    this.addon.binary(BINARY_CODE[op], a, b, out, n);
  }

  binaryRow(
    op: BinaryOp,
    a: Float32Array,
    row: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
  ): void {
    this.addon.binaryRow(BINARY_CODE[op], a, row, out, rows, cols);
  }

  binaryScalar(op: BinaryOp, a: Float32Array, s: number, out: Float32Array, n: number): void {
    this.addon.binaryScalar(BINARY_CODE[op], a, s, out, n);
  }

  unary(op: UnaryOp, x: Float32Array, out: Float32Array, n: number): void {
    this.addon.unary(UNARY_CODE[op], x, out, n);
  }

  adam(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    args: AdamKernelArgs,
  ): void {
    this.addon.adam(p, g, m, v, n, args.lr, args.beta1, args.beta2, args.eps, args.c1, args.c2);
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
    this.addon.sgd(p, g, buf, n, lr, momentum, nesterov);
  }
}

export type NativeLoadResult = { backend: NativeBackend } | { backend: null; reason: string };

let cached: NativeLoadResult | undefined;

/**
 * Loads the native backend once per thread; never throws. When the addon is missing (not built:
 * no compiler at install time) or fails to load, `reason` says why.
 */
export function loadNativeBackend(): NativeLoadResult {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    const addon = require(ADDON_PATH) as NativeAddon;
    if (typeof addon.gemm !== 'function' || typeof addon.adam !== 'function') {
      cached = { backend: null, reason: `${ADDON_PATH} does not export the expected kernels; rebuild it` };
    } else {
      cached = { backend: new NativeBackend(addon) };
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    cached = {
      backend: null,
      reason:
        code === 'MODULE_NOT_FOUND'
          ? 'native addon not built (run `node scripts/build-native.mjs` in packages/tensor)'
          : `native addon failed to load: ${message}`,
    };
  }
  return cached;
}
