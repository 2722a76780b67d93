import type { Backend } from '../backend.ts';
import { loadNativeBackend } from './native.ts';
import { ReferenceBackend } from './reference.ts';

export type BackendKind = 'auto' | 'native' | 'reference';
export const BACKEND_KINDS: readonly BackendKind[] = ['auto', 'native', 'reference'];

/**
 * Picks a backend by name; the caller installs it with `setBackend`.
 * - `'auto'`: native (in the best variant this CPU runs) when it loads, otherwise the reference,
 *   with the reason in `note`;
 * - `'native'`: the native backend, or an Error naming why it is unavailable;
 * - `'reference'`: the plain-TypeScript reference.
 *
 * ```ts
 * const { backend, note } = selectBackend('auto');
 * setBackend(backend);
 * if (note) log(note);
 * ```
 */
export function selectBackend(kind: BackendKind): { backend: Backend; note?: string } {
  switch (kind) {
    case 'reference':
      return { backend: new ReferenceBackend() };
    case 'native': {
      const loaded = loadNativeBackend();
      if (loaded.backend === null) throw new Error(`backend 'native' is unavailable: ${loaded.reason}`);
      return loaded.note === undefined ? { backend: loaded.backend } : loaded;
    }
    case 'auto': {
      const loaded = loadNativeBackend();
      if (loaded.backend !== null) return loaded.note === undefined ? { backend: loaded.backend } : loaded;
      return { backend: new ReferenceBackend(), note: `using the reference backend: ${loaded.reason}` };
    }
    default:
      throw new RangeError(
        `selectBackend: unknown backend '${String(kind)}' (expected ${BACKEND_KINDS.join(', ')})`,
      );
  }
}
