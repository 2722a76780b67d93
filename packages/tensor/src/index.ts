/**
 * @gan/tensor: the numpy of this project. Float32 n-d arrays, a seeded PRNG, and kernels behind a
 * backend interface (the plain-TypeScript reference backend is the default and the test oracle;
 * the native one is chosen for the CPU at load). What other packages use, and nothing else.
 */
export {
  type ActivationKind,
  type Backend,
  backend,
  backendFor,
  setBackend,
  setFloat64Backend,
} from './backend.ts';
export {
  type CpuFeature,
  loadNativeBackend,
  missingCpuFeatures,
  NATIVE_VARIANT_NAMES,
  type NativeLoadOptions,
  type NativeVariant,
  REPRODUCIBLE_VARIANTS,
} from './backends/native.ts';
export { sigmoid as sigmoidScalar } from './backends/reference.ts';
export {
  BACKEND_KINDS,
  type BackendKernels,
  type BackendKind,
  kernelsOf,
  selectBackend,
} from './backends/select.ts';
export { activate, activateGrad, addBias, mul } from './ops/elementwise.ts';
export { matmul } from './ops/matmul.ts';
export { argmax, max, min, sum, sumSquares } from './ops/reduce.ts';
export { frechetDistance, meanAndCovariance } from './linalg.ts';
export { NumpyRandomState, type NumpyRandomStateSnapshot } from './numpy-random.ts';
export { Rng, type RngState } from './random.ts';
export { formatShape, MAX_TENSOR_SIZE, ShapeError } from './shape.ts';
export { allocate, type DType, dtypeOf, type FloatArray, Tensor } from './tensor.ts';
