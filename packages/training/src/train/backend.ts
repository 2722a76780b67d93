import { type BackendKernels, type BackendKind, kernelsOf, selectBackend, setBackend } from '@gan/tensor';

export { BACKEND_KINDS, type BackendKernels, type BackendKind } from '@gan/tensor';

/**
 * Selects and installs the numerical backend for this thread; returns its name, what computes
 * with it (`kernels`: the variant, CPU features and build a run records) and any note. `threads`
 * caps the native kernels' worker threads (process-wide: a sweep running N members at once gives
 * each its share of the cores); the reference backend has none.
 */
export function useBackend(
  kind: BackendKind,
  threads?: number,
): { name: string; kernels: BackendKernels; note?: string } {
  const { backend, note } = selectBackend(kind);
  setBackend(backend);
  if (threads !== undefined && 'setThreads' in backend && typeof backend.setThreads === 'function')
    backend.setThreads(Math.max(1, Math.min(64, Math.floor(threads))));
  return { name: backend.name, kernels: kernelsOf(backend), note };
}
