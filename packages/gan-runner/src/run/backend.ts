import { selectBackend, setBackend } from '@gan/tensor';

export type BackendKind = 'auto' | 'native' | 'reference';
export const BACKEND_KINDS: readonly BackendKind[] = ['auto', 'native', 'reference'];

/** Selects and installs the numerical backend for this thread; returns its name and any note. */
export function useBackend(kind: BackendKind): { name: string; note?: string } {
  const { backend, note } = selectBackend(kind);
  setBackend(backend);
  return { name: backend.name, note };
}
