import { Tensor } from '@gan/tensor';

/**
 * Output buffers of a layer, one per batch size seen. A GAN feeds its discriminator batches of
 * two sizes in turn (real and fake together, then fake alone); keeping one buffer per size means
 * neither step reallocates. Memory grows with the number of distinct batch sizes, not with steps.
 */
export class Buffer2d {
  private readonly byRows = new Map<number, Tensor>();

  get(rows: number, cols: number): Tensor {
    let t = this.byRows.get(rows);
    if (t === undefined || t.shape[1] !== cols) {
      t = Tensor.zeros([rows, cols]);
      this.byRows.set(rows, t);
    }
    return t;
  }
}

/**
 * Scratch space that only grows: `get(size)` returns an array of at least `size` values, the same
 * one as long as it is large enough. For kernel arguments, which come with explicit sizes (im2col's
 * matrix of a batch of 128 serves a batch of 64 too). Not zeroed between uses.
 */
export class Scratch {
  private data = new Float32Array(0);

  get(size: number): Float32Array {
    if (this.data.length < size) this.data = new Float32Array(size);
    return this.data;
  }
}
