import { ReferenceBackend, setBackend } from '@gan/tensor';

export type BackendKind = 'auto' | 'native' | 'reference';
export const BACKEND_KINDS: readonly BackendKind[] = ['auto', 'native', 'reference'];

/** Selects and installs the numerical backend for this thread; returns its name and any note. */
export function useBackend(kind: BackendKind): { name: string; note?: string } {
  const backend = new ReferenceBackend();
  setBackend(backend);
  return { name: backend.name, note: kind === 'reference' ? undefined : 'native backend not available yet' };
}
