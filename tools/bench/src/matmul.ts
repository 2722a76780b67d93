import { type Backend, Rng } from '@gan/tensor';
import { runPeer } from './peer.ts';

export interface MatmulRow {
  shape: string;
  form: string;
  gflops: Record<string, number>;
}

const FORMS = [
  { form: 'A.B', transA: false, transB: false },
  { form: 'At.B', transA: true, transB: false },
  { form: 'A.Bt', transA: false, transB: true },
] as const;

/** Median GFLOP/s of `backend.gemm` for C[m,n] = op(A)·op(B) over repeated calls. */
function measure(
  backend: Backend,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  budgetMs: number,
): number {
  const rng = Rng.create(0, 'bench-matmul');
  const a = rng.fillNormal(new Float32Array(m * k));
  const b = rng.fillNormal(new Float32Array(k * n));
  const c = new Float32Array(m * n);
  const flops = 2 * m * k * n;
  backend.gemm(a, b, c, m, n, k, transA, transB, false);
  const t0 = performance.now();
  let reps = 0;
  while (performance.now() - t0 < budgetMs / 10 || reps < 3) {
    backend.gemm(a, b, c, m, n, k, transA, transB, false);
    reps++;
  }
  const per = (performance.now() - t0) / reps;
  const inner = Math.max(1, Math.round(budgetMs / 5 / Math.max(per, 1e-3)));
  const times: number[] = [];
  for (let s = 0; s < 5; s++) {
    const t = performance.now();
    for (let r = 0; r < inner; r++) backend.gemm(a, b, c, m, n, k, transA, transB, false);
    times.push((performance.now() - t) / inner);
  }
  times.sort((x, y) => x - y);
  return flops / (times[2] / 1000) / 1e9;
}

/** GFLOP/s of the MLP layer products, for each backend and for numpy. */
export function benchMatmul(
  backends: Backend[],
  shapes: [number, number, number][],
  budgetMs: number,
): MatmulRow[] {
  const rows: MatmulRow[] = [];
  for (const [m, k, n] of shapes) {
    const peer = runPeer(['matmul', '--m', String(m), '--k', String(k), '--n', String(n)]);
    for (const { form, transA, transB } of FORMS) {
      const gflops: Record<string, number> = {};
      for (const be of backends) {
        // The reference backend is ~100x slower: a shorter budget still gives a stable median.
        gflops[be.name] = measure(
          be,
          m,
          k,
          n,
          transA,
          transB,
          be.name === 'reference' ? budgetMs / 4 : budgetMs,
        );
      }
      const np = (peer?.gflops as Record<string, number> | undefined)?.[form];
      if (np !== undefined) gflops.numpy = np;
      rows.push({ shape: `${m}x${k}x${n}`, form, gflops });
    }
  }
  return rows;
}
