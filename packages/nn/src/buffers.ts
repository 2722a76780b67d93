import { Tensor } from '@gan/tensor';

/** A tensor reused while the requested shape stays the same; reallocated when it changes. */
export class Buffer2d {
  private t: Tensor | null = null;

  get(rows: number, cols: number): Tensor {
    const t = this.t;
    if (t !== null && t.shape[0] === rows && t.shape[1] === cols) return t;
    this.t = Tensor.zeros([rows, cols]);
    return this.t;
  }
}
