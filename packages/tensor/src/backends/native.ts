import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ActivationKind, AdamKernelArgs, Backend, BinaryOp, UnaryOp } from '../backend.ts';

/**
 * A Backend kernel as the addon (native/addon.cc) takes it: op names travel as integer codes and
 * Adam's arguments one by one. Derived from the Backend interface, so a kernel added there and not
 * here does not compile.
 */
type AddonArgs<A extends unknown[]> = A extends [...infer Head, AdamKernelArgs]
  ? [...Coded<Head>, ...AdamScalars]
  : Coded<A>;
type Coded<A extends unknown[]> = {
  [I in keyof A]: A[I] extends ActivationKind | BinaryOp | UnaryOp ? number : A[I];
};
// NOTE: the order of native/addon.cc's Adam arguments.
type AdamScalars = [lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number];
type AddonKernels = {
  [K in Exclude<keyof Backend, 'name'>]: (
    ...args: AddonArgs<Parameters<Backend[K]>>
  ) => ReturnType<Backend[K]>;
};

/** What a build/tensor_native-<variant>.node exports: the kernels, and its own description. */
interface NativeAddon extends AddonKernels {
  /** The variant it was built as (GT_VARIANT). */
  readonly variant: string;
  readonly simd: string;
  readonly cores: number;
  /** This CPU's features (native/cpu.cc); only the baseline build is safe to ask on any CPU. */
  cpuFeatures(): Record<string, boolean>;
  /** How it was built: GCC's or clang's name for itself, `__VERSION__`, the flags (GT_BUILD_FLAGS). */
  readonly build: { compiler: string; version: string; flags: string; sources: string };
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
export interface NativeBackend extends Backend {
  /** The variant loaded (see NATIVE_VARIANTS). */
  readonly variant: NativeVariant;
  /** The instruction set its kernels use: 'avx512', 'avx2' or 'scalar'. */
  readonly simd: string;
  /**
   * The CPU features the variant's code may use beyond the architecture's baseline (x86-64: SSE2),
   * which is what it needs of a CPU (its `requires` in NATIVE_VARIANTS); none for the baseline.
   */
  readonly cpuFeatures: readonly CpuFeature[];
  /** How the variant was built (compiler, flags, the sources' hash). */
  readonly build: NativeBuild;
  /**
   * Whether this variant computes the same bits as every other reproducible variant built from the
   * same sources (baseline, avx2, avx512); false for baseline-fast.
   */
  readonly reproducible: boolean;
  /** Worker threads the kernels may use (process-wide; defaults to the available cores). */
  threads(): number;
  /** Sets the thread count (an integer in [1, 64]); results are the same for every count. */
  setThreads(n: number): void;
}

/** How a variant of the addon was built, as it reports itself. */
export interface NativeBuild {
  /** The compiler and its version: `g++ 12.2.0`, `clang++ Debian Clang 14.0.6`. */
  readonly compiler: string;
  /** The compiler flags of scripts/build-native.mjs: `-std=c++17 -O3 ... -march=x86-64-v4 ...`. */
  readonly flags: string;
  /** A hash of the kernels' sources: what decides their arithmetic. */
  readonly sources: string;
}

/** The Backend over an addon: kernels whose arguments it takes as they are, the others translated. */
function nativeBackend(addon: NativeAddon, variant: NativeVariant): NativeBackend {
  return {
    name: 'native',
    variant,
    simd: addon.simd,
    cpuFeatures: variantInfo(variant).requires,
    build: {
      compiler: `${addon.build.compiler} ${addon.build.version}`,
      flags: addon.build.flags,
      sources: addon.build.sources,
    },
    reproducible: variantInfo(variant).reproducible,
    threads: () => addon.threads(),
    setThreads: (n) => {
      if (!Number.isInteger(n) || n < 1 || n > 64) {
        throw new RangeError(`NativeBackend.setThreads: expected an integer in [1, 64], got ${n}`);
      }
      addon.setThreads(n);
    },
    gemm: addon.gemm,
    addBias: addon.addBias,
    sumAxis: addon.sumAxis,
    sumSquares: addon.sumSquares,
    sgd: addon.sgd,
    activation: (kind, x, out, n, slope) => addon.activation(ACTIVATION_CODE[kind], x, out, n, slope),
    activationGrad: (kind, x, y, dy, dx, n, slope) =>
      addon.activationGrad(ACTIVATION_CODE[kind], x, y, dy, dx, n, slope),
    binary: (op, a, b, out, n) => addon.binary(BINARY_CODE[op], a, b, out, n),
    binaryRow: (op, a, row, out, rows, cols) => addon.binaryRow(BINARY_CODE[op], a, row, out, rows, cols),
    binaryScalar: (op, a, s, out, n) => addon.binaryScalar(BINARY_CODE[op], a, s, out, n),
    unary: (op, x, out, n) => addon.unary(UNARY_CODE[op], x, out, n),
    adam: (p, g, m, v, n, a) => addon.adam(p, g, m, v, n, a.lr, a.beta1, a.beta2, a.eps, a.c1, a.c2),
    im2col: addon.im2col,
    col2im: addon.col2im,
    swapAxes: addon.swapAxes,
    channelMoments: addon.channelMoments,
    channelSums: addon.channelSums,
    channelAffine: addon.channelAffine,
  };
}

// ---------------------------------------------------------------------------------------------
// Variants and loading

/** The builds of the addon (scripts/build-native.mjs), one per instruction set. */
export type NativeVariant = 'avx512' | 'avx2' | 'baseline' | 'baseline-fast';

/** The x86 features native/cpu.cc reports; `os_avx` / `os_avx512`: the OS saves those registers. */
export type CpuFeature =
  | 'sse3'
  | 'ssse3'
  | 'sse4_1'
  | 'sse4_2'
  | 'popcnt'
  | 'cx16'
  | 'lahf'
  | 'avx'
  | 'avx2'
  | 'bmi1'
  | 'bmi2'
  | 'f16c'
  | 'fma'
  | 'lzcnt'
  | 'movbe'
  | 'avx512f'
  | 'avx512bw'
  | 'avx512cd'
  | 'avx512dq'
  | 'avx512vl'
  | 'os_avx'
  | 'os_avx512';

// The x86-64 micro-architecture levels of the psABI that the variants are compiled for
// (-march=x86-64-v3 / -v4): the compiler may use any instruction of the level anywhere in the
// addon, so the CPU must have every feature of it, not only the ones the kernels ask for.
const X86_64_V2: readonly CpuFeature[] = ['cx16', 'lahf', 'popcnt', 'sse3', 'sse4_1', 'sse4_2', 'ssse3'];
const X86_64_V3: readonly CpuFeature[] = [
  ...X86_64_V2,
  ...(['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'lzcnt', 'movbe', 'os_avx'] as const),
];
const X86_64_V4: readonly CpuFeature[] = [
  ...X86_64_V3,
  ...(['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl', 'os_avx512'] as const),
];

/**
 * The variants, best first, with the CPU features each needs. The baseline (any x86-64, or the
 * compiler's default target elsewhere) needs nothing, and is the one asked for the CPU's features.
 *
 * The reproducible variants compute the same bits for the same inputs whichever of them a CPU
 * runs: every output element is computed in one fixed order of float32 operations, with fused
 * multiply-adds in the same places (the baseline's are an exact emulation, native/simd.h), the same
 * polynomials for exp, log, tanh, atan and the sigmoid, and sums along a reduction kept in sixteen
 * lanes at any vector width. That emulation makes the baseline's products about 20x slower than
 * a multiply and an add would be: `baseline-fast` is those, not the same bits as the others, and
 * only loaded when asked for by name (`--backend native:baseline-fast`).
 */
export const NATIVE_VARIANTS: readonly {
  name: NativeVariant;
  requires: readonly CpuFeature[];
  reproducible: boolean;
}[] = [
  { name: 'avx512', requires: X86_64_V4, reproducible: true },
  { name: 'avx2', requires: X86_64_V3, reproducible: true },
  { name: 'baseline', requires: [], reproducible: true },
  { name: 'baseline-fast', requires: [], reproducible: false },
];

/** Every variant's name, best first. */
export const NATIVE_VARIANT_NAMES: readonly NativeVariant[] = NATIVE_VARIANTS.map((v) => v.name);

/** The variants that give the same bits as one another (every one but baseline-fast). */
export const REPRODUCIBLE_VARIANTS: readonly NativeVariant[] = NATIVE_VARIANTS.filter(
  (v) => v.reproducible,
).map((v) => v.name);

export interface NativeLoadOptions {
  /**
   * Test hook: CPU features to treat as absent, to simulate an older CPU. Features can only be
   * hidden, never added, so no option makes a variant run on a CPU that lacks what it needs.
   */
  hideCpuFeatures?: readonly CpuFeature[];
}

export type NativeLoadResult = { backend: NativeBackend; note?: string } | { backend: null; reason: string };

const requireAddon = createRequire(import.meta.url);

/** Where `node scripts/build-native.mjs` (the package's install script) writes a variant. */
function addonPath(variant: NativeVariant): string {
  return fileURLToPath(new URL(`../../build/tensor_native-${variant}.node`, import.meta.url));
}

const loaded = new Map<NativeVariant, { addon: NativeAddon; backend: NativeBackend }>();

/**
 * Loads a variant's file, with no check of the CPU: callers check first. Throws an Error saying
 * why it cannot (not built, fails to load, not the expected file).
 */
function loadAddon(variant: NativeVariant): { addon: NativeAddon; backend: NativeBackend } {
  const known = loaded.get(variant);
  if (known !== undefined) return known;
  const path = addonPath(variant);
  if (!existsSync(path)) {
    throw new Error(
      `native addon not built (${path} is missing): building it needs a C++ compiler ` +
        '(apt-get install g++), then `pnpm --filter @gan/tensor build`',
    );
  }
  let addon: NativeAddon;
  try {
    addon = requireAddon(path) as NativeAddon;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(`native addon ${path} failed to load: ${message}`);
  }
  if (typeof addon.gemm !== 'function' || typeof addon.adam !== 'function') {
    throw new Error(`${path} does not export the expected kernels; rebuild it`);
  }
  // A run records how its kernels were built, so a build that cannot say is not used.
  if (typeof addon.build?.flags !== 'string' || typeof addon.build.sources !== 'string') {
    throw new Error(`${path} does not report how it was built (compiler, flags); rebuild it`);
  }
  if (addon.variant !== variant) {
    throw new Error(`${path} was built as variant '${addon.variant}', not '${variant}'; rebuild it`);
  }
  const entry = { addon, backend: nativeBackend(addon, variant) };
  loaded.set(variant, entry);
  return entry;
}

/**
 * This CPU's features, as the baseline build reads them (cpuid, and xgetbv for what the OS
 * enables), minus `hideCpuFeatures`. Throws when the baseline build is unavailable.
 */
export function cpuFeatures(options: NativeLoadOptions = {}): ReadonlySet<CpuFeature> {
  const detected = loadAddon('baseline').addon.cpuFeatures();
  const hidden = new Set(options.hideCpuFeatures ?? []);
  const features = new Set<CpuFeature>();
  for (const [name, has] of Object.entries(detected)) {
    if (has && !hidden.has(name as CpuFeature)) features.add(name as CpuFeature);
  }
  return features;
}

function variantInfo(variant: NativeVariant) {
  const info = NATIVE_VARIANTS.find((v) => v.name === variant);
  if (info === undefined) {
    throw new RangeError(
      `unknown native variant '${String(variant)}' (expected ${NATIVE_VARIANTS.map((v) => v.name).join(', ')})`,
    );
  }
  return info;
}

/** The CPU features `variant` needs that this CPU lacks (none: it can run here). */
export function missingCpuFeatures(variant: NativeVariant, options: NativeLoadOptions = {}): CpuFeature[] {
  const has = cpuFeatures(options);
  return variantInfo(variant).requires.filter((f) => !has.has(f));
}

/**
 * Loads one variant, for tests and benchmarks; `loadNativeBackend` picks one by itself. A variant
 * this CPU cannot run is refused before its file is even loaded (its code could die with SIGILL),
 * with an Error naming the missing features; so is one that is not built.
 *
 * ```ts
 * const avx2 = loadNativeVariant('avx2');
 * loadNativeVariant('avx512', { hideCpuFeatures: ['avx512f'] }); // throws: this CPU lacks avx512f
 * ```
 */
export function loadNativeVariant(variant: NativeVariant, options: NativeLoadOptions = {}): NativeBackend {
  const missing = missingCpuFeatures(variant, options);
  if (missing.length > 0) {
    const hidden = new Set(options.hideCpuFeatures ?? []);
    const names = missing.map((f) => (hidden.has(f) ? `${f} (hidden by hideCpuFeatures)` : f));
    const has = cpuFeatures(options);
    const runnable = NATIVE_VARIANTS.filter((v) => v.requires.every((f) => has.has(f))).map((v) => v.name);
    throw new Error(
      `native variant '${variant}' refused: this CPU lacks ${names.join(', ')}; ` +
        `running it could kill the process with an illegal instruction (this CPU runs ${runnable.join(', ')})`,
    );
  }
  return loadAddon(variant).backend;
}

let cached: NativeLoadResult | undefined;

/**
 * The native backend in the best variant this CPU can run, loaded once per thread; never throws.
 * When no variant loads (not built: no compiler at install time; or failing to load), `reason`
 * says why. When a better variant the CPU supports is unavailable, `note` says which one is used.
 */
export function loadNativeBackend(options: NativeLoadOptions = {}): NativeLoadResult {
  const useCache = (options.hideCpuFeatures ?? []).length === 0;
  if (useCache && cached !== undefined) return cached;
  let result: NativeLoadResult;
  try {
    const has = cpuFeatures(options);
    const skipped: string[] = [];
    result = { backend: null, reason: 'no native variant loaded' };
    for (const { name, requires, reproducible } of NATIVE_VARIANTS) {
      if (!reproducible || !requires.every((f) => has.has(f))) continue;
      try {
        const { backend } = loadAddon(name);
        result =
          skipped.length > 0 ? { backend, note: `native ${name}: ${skipped.join('; ')}` } : { backend };
        break;
      } catch (err) {
        skipped.push(`${name} unavailable (${err instanceof Error ? err.message : String(err)})`);
        result = { backend: null, reason: skipped.join('; ') };
      }
    }
  } catch (err) {
    result = { backend: null, reason: err instanceof Error ? err.message : String(err) };
  }
  if (useCache) cached = result;
  return result;
}
