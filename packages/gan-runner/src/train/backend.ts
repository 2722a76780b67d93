import { type BackendKind, selectBackend, setBackend } from '@gan/tensor';

export { BACKEND_KINDS, type BackendKind } from '@gan/tensor';

/** Selects and installs the numerical backend for this thread; returns its name and any note. */
export function useBackend(kind: BackendKind): { name: string; note?: string } {
  const { backend, note } = selectBackend(kind);
  setBackend(backend);
  return { name: backend.name, note };
}
