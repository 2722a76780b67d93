import type { Backend } from '../backend.ts';
import {
  loadNativeBackend,
  loadNativeVariant,
  NATIVE_VARIANTS,
  type NativeBackend,
  type NativeLoadOptions,
  type NativeVariant,
} from './native.ts';
import { ReferenceBackend } from './reference.ts';

/**
 * Which backend to use: `auto` (native when it loads, else the reference), `native` (in the best
 * variant this CPU runs), `native:<variant>` (that variant, e.g. to reproduce a run recorded on
 * another machine; every variant but baseline-fast gives the same bits), or `reference`.
 */
export type BackendKind = 'auto' | 'native' | `native:${NativeVariant}` | 'reference';
export const BACKEND_KINDS: readonly BackendKind[] = [
  'auto',
  'native',
  ...NATIVE_VARIANTS.map((v) => `native:${v.name}` as const),
  'reference',
];

/**
 * Picks a backend by name; the caller installs it with `setBackend`.
 * - `'auto'`: native (in the best variant this CPU runs) when it loads, otherwise the reference,
 *   with the reason in `note`;
 * - `'native'`: the native backend, or an Error naming why it is unavailable;
 * - `'native:<variant>'`: that variant, or an Error naming why not (the CPU features this CPU
 *   lacks for it, or that it is not built);
 * - `'reference'`: the plain-TypeScript reference.
 *
 * `options` are the native loader's (a test hook that hides CPU features).
 *
 * ```ts
 * const { backend, note } = selectBackend('auto');
 * setBackend(backend);
 * if (note) log(note);
 * selectBackend('native:avx2'); // throws on a CPU without AVX2: "native variant 'avx2' refused: ..."
 * ```
 */
export function selectBackend(
  kind: BackendKind,
  options: NativeLoadOptions = {},
): { backend: Backend; note?: string } {
  switch (kind) {
    case 'reference':
      return { backend: new ReferenceBackend() };
    case 'native': {
      const loaded = loadNativeBackend(options);
      if (loaded.backend === null) throw new Error(`backend 'native' is unavailable: ${loaded.reason}`);
      return loaded.note === undefined ? { backend: loaded.backend } : loaded;
    }
    case 'auto': {
      const loaded = loadNativeBackend(options);
      if (loaded.backend !== null) return loaded.note === undefined ? { backend: loaded.backend } : loaded;
      return { backend: new ReferenceBackend(), note: `using the reference backend: ${loaded.reason}` };
    }
    default:
      if (!BACKEND_KINDS.includes(kind)) {
        throw new RangeError(
          `selectBackend: unknown backend '${String(kind)}' (expected ${BACKEND_KINDS.join(', ')})`,
        );
      }
      // The error names the variant and why (the features this CPU lacks, or the missing file).
      return { backend: loadNativeVariant(kind.slice('native:'.length) as NativeVariant, options) };
  }
}

/**
 * What computes with a backend, as a run records it (meta.json's `kernels`): results can differ in
 * their last bits between variants, compilers and flags, so a run says which computed it.
 *
 * ```json
 * { "backend": "native", "variant": "avx2", "simd": "avx2",
 *   "cpuFeatures": ["cx16", "lahf", "popcnt", "sse3", "sse4_1", "sse4_2", "ssse3", "avx", "avx2", ...],
 *   "compiler": "g++ 12.2.0", "flags": "-std=c++17 -O3 ... -march=x86-64-v3 -mtune=generic -DGT_EXPECT_AVX2" }
 * { "backend": "reference", "variant": null, "simd": null, "cpuFeatures": [], "compiler": null, "flags": null }
 * ```
 */
export interface BackendKernels {
  /** The backend's name: `native`, `reference`. */
  backend: string;
  /** The native variant (see NATIVE_VARIANTS); null for a backend without variants. */
  variant: string | null;
  /** The instruction set the native kernels use (`avx512`, `avx2`, `scalar`); null otherwise. */
  simd: string | null;
  /** The CPU features the variant's code uses beyond the architecture's baseline. */
  cpuFeatures: string[];
  /** The compiler that built the kernels and its version (`g++ 12.2.0`); null for TypeScript ones. */
  compiler: string | null;
  /** The compiler flags the kernels were built with; null for TypeScript ones. */
  flags: string | null;
  /**
   * Kernels with the same `bits` compute the same bits from the same inputs: `native <sources hash>`
   * for every reproducible native variant built from the same sources, `<variant> <sources hash>`
   * for another (baseline-fast), the backend's name for the TypeScript ones.
   */
  bits: string;
}

/** The {@link BackendKernels} of `backend`. */
export function kernelsOf(backend: Backend): BackendKernels {
  if (isNative(backend)) {
    return {
      backend: backend.name,
      variant: backend.variant,
      simd: backend.simd,
      cpuFeatures: [...backend.cpuFeatures],
      compiler: backend.build.compiler,
      flags: backend.build.flags,
      bits: `${backend.reproducible ? 'native' : backend.variant} ${backend.build.sources}`,
    };
  }
  return {
    backend: backend.name,
    variant: null,
    simd: null,
    cpuFeatures: [],
    compiler: null,
    flags: null,
    bits: backend.name,
  };
}

function isNative(backend: Backend): backend is NativeBackend {
  return backend.name === 'native' && 'variant' in backend && 'build' in backend;
}
