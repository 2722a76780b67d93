/**
 * @gan/tensor: the numpy of this project. Float32 n-d arrays, a seeded PRNG, and kernels behind a
 * backend interface (the plain-TypeScript reference backend is the default and the test oracle).
 */
export * from './backend.ts';
export {
  type CpuFeature,
  cpuFeatures,
  loadNativeBackend,
  loadNativeVariant,
  missingCpuFeatures,
  NATIVE_VARIANTS,
  NativeBackend,
  type NativeLoadOptions,
  type NativeLoadResult,
  type NativeVariant,
} from './backends/native.ts';
export { ReferenceBackend, sigmoid as sigmoidScalar } from './backends/reference.ts';
export { BACKEND_KINDS, type BackendKind, selectBackend } from './backends/select.ts';
export * from './ops/elementwise.ts';
export * from './ops/matmul.ts';
export {
  argmax,
  concatRows,
  max,
  mean,
  min,
  norm,
  sum,
  sumSquares,
  transpose,
} from './ops/reduce.ts';
export * from './linalg.ts';
export * from './random.ts';
export * from './shape.ts';
export * from './tensor.ts';
