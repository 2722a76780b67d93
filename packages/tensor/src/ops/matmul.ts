import { formatShape, ShapeError } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { kernelsFor, output } from './common.ts';

export interface MatmulOptions {
  /** Use Aᵀ: A is stored [k,m]. */
  transA?: boolean;
  /** Use Bᵀ: B is stored [n,k]. */
  transB?: boolean;
  /** Write into this [m,n] tensor instead of allocating one. */
  out?: Tensor;
  /** Add the product to `out` (`out += op(A)·op(B)`), as gradient accumulation needs. */
  accumulate?: boolean;
}

/**
 * Matrix product of 2-d tensors with optional transposes: `A·B`, `Aᵀ·B`, `A·Bᵀ` (and `Aᵀ·Bᵀ`).
 *
 * ```ts
 * matmul(x, w);                        // [batch,in]·[in,out] -> [batch,out]
 * matmul(x, dy, { transA: true });     // xᵀ·dy: the weight gradient
 * matmul(dy, w, { transB: true });     // dy·wᵀ: the gradient w.r.t. the input
 * ```
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, accumulate = false } = opts;
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(
      `matmul: expected 2-d tensors, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  const m = transA ? a.shape[1] : a.shape[0];
  const k = transA ? a.shape[0] : a.shape[1];
  const kb = transB ? b.shape[1] : b.shape[0];
  const n = transB ? b.shape[0] : b.shape[1];
  if (k !== kb) {
    const ta = transA ? 'ᵀ' : '';
    const tb = transB ? 'ᵀ' : '';
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)}${ta} and ${formatShape(b.shape)}${tb} do not match (inner dimensions ${k} and ${kb})`,
    );
  }
  if (accumulate && opts.out === undefined) throw new ShapeError('matmul: accumulate needs an out tensor');
  const res = output('matmul', [m, n], opts.out, a.dtype);
  if (res.data === a.data || res.data === b.data) throw new ShapeError('matmul: out must not alias an input');
  kernelsFor('matmul', a, b, res).gemm(a.data, b.data, res.data, m, n, k, transA, transB, accumulate);
  return res;
}
