import { type DType, type FloatArray, Tensor } from '@gan/tensor';

/**
 * Output buffers of a layer, one per batch size seen. A GAN feeds its discriminator batches of
 * two sizes in turn (real and fake together, then fake alone); keeping one buffer per size means
 * neither step reallocates. Memory grows with the number of distinct batch sizes, not with steps.
 */
export class Buffer2d {
  private readonly byRows = new Map<number, Tensor>();

  get(rows: number, cols: number, dtype: DType = 'float32'): Tensor {
    let t = this.byRows.get(rows);
    if (t === undefined || t.shape[1] !== cols || t.dtype !== dtype) {
      t = Tensor.zeros([rows, cols], dtype);
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

  get(size: number): FloatArray {
    if (this.data.length < size) this.data = new Float32Array(size);
    return this.data;
  }
}

/**
 * The consecutive segments of an array as subarrays, made once per array and segment layout (the
 * kernels take no offsets, and the layers' inputs and outputs are reused buffers, so the views are
 * made once). Held weakly: an array no longer used takes its views with it.
 */
export class SegmentViews {
  private readonly cache = new WeakMap<FloatArray, FloatArray[]>();

  get(data: FloatArray, segments: number, length: number): FloatArray[] {
    let views = this.cache.get(data);
    if (views === undefined || views.length !== segments || (segments > 0 && views[0].length !== length)) {
      views = [];
      for (let i = 0; i < segments; i++) views.push(data.subarray(i * length, (i + 1) * length));
      this.cache.set(data, views);
    }
    return views;
  }
}
