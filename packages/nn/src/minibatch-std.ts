import { formatShape, ShapeError, type Tensor } from '@gan/tensor';
import { Buffer2d } from './buffers.ts';
import type { BackwardOptions, Layer } from './layer.ts';
import type { Parameter } from './parameter.ts';

/** The constant under ProGAN's square root (`tf.sqrt(tf.reduce_mean(tf.square(y)) + 1e-8)`). */
export const MINIBATCH_STD_EPS = 1e-8;

/**
 * Minibatch standard deviation (ProGAN, Karras et al. 2018, `minibatch_stddev_layer` in
 * `tkarras/progressive_growing_of_gans networks.py`), for an MLP: `x: [N, C] -> y: [N, C + 1]`.
 *
 * The batch splits into consecutive segments of `segmentRows` rows (all of it when it has fewer
 * rows), so that a batch holding real and fake rows side by side never mixes them in a group; ProGAN
 * runs D on reals and fakes in separate calls, which is the same thing. In a segment of S rows,
 * with G = min(groupSize, S) and M = S / G, group m holds the strided rows m, m + M, ..., m + (G-1)M
 * (ProGAN's `reshape(x, [G, -1, ...])`). For each group and feature c:
 *
 *   μ_c = (1/G) Σ_g x_gc,   s_c = sqrt((1/G) Σ_g (x_gc - μ_c)² + 1e-8),   σ̄ = (1/C) Σ_c s_c
 *
 * and every row of the group gets σ̄ appended as its last feature. Backward: a row's own features
 * pass `dy` through, and σ̄'s gradient, summed over the group's rows `Σ_g dy_g,C`, reaches every
 * member: `dx_nc = dy_nc + (x_nc - μ_c) / (C G s_c) · Σ_g dy_g,C`.
 *
 * ```ts
 * const mbstd = new MinibatchStd(4, { segmentRows: 64 }); // D's batch: 64 real, then 64 fake
 * const h = mbstd.forward(x); // [128, C + 1]
 * ```
 */
export class MinibatchStd implements Layer {
  readonly segmentRows: number;
  private input: Tensor | null = null;
  private readonly out = new Buffer2d();
  private readonly dx = new Buffer2d();
  /** Per group: s_c for every feature (the backward reuses them), then σ̄. */
  private std = new Float64Array(0);

  constructor(
    readonly groupSize: number,
    opts: { segmentRows?: number } = {},
    readonly name = 'minibatchStd',
  ) {
    if (!Number.isInteger(groupSize) || groupSize < 1) {
      throw new RangeError(`MinibatchStd ${name}: groupSize must be an integer >= 1, got ${groupSize}`);
    }
    const seg = opts.segmentRows ?? Number.POSITIVE_INFINITY;
    if (!(seg === Number.POSITIVE_INFINITY || (Number.isInteger(seg) && seg >= 1))) {
      throw new RangeError(`MinibatchStd ${name}: segmentRows must be an integer >= 1, got ${seg}`);
    }
    this.segmentRows = seg;
  }

  /** Rows per segment S, group size G and groups per segment M for a batch of `n` rows. */
  private layout(n: number): { s: number; g: number; m: number } {
    const s = Math.min(this.segmentRows, n);
    const g = Math.min(this.groupSize, s);
    if (n % s !== 0 || s % g !== 0) {
      throw new ShapeError(
        `MinibatchStd ${this.name}: a batch of ${n} rows does not split into segments of ${s} rows ` +
          `and groups of ${g} (ProGAN needs the batch divisible by the group size)`,
      );
    }
    return { s, g, m: s / g };
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2)
      throw new ShapeError(
        `MinibatchStd ${this.name}: expected [batch,features], got ${formatShape(x.shape)}`,
      );
    const [n, c] = x.shape;
    const { s, g, m } = this.layout(n);
    this.input = x;
    const groups = n / g;
    if (this.std.length !== groups * (c + 1)) this.std = new Float64Array(groups * (c + 1));
    const std = this.std;
    const y = this.out.get(n, c + 1);
    const xd = x.data;
    const yd = y.data;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < c; j++) yd[r * (c + 1) + j] = xd[r * c + j];
    }
    for (let seg = 0; seg < n; seg += s) {
      for (let k = 0; k < m; k++) {
        const base = ((seg / s) * m + k) * (c + 1);
        let mean = 0;
        for (let j = 0; j < c; j++) {
          let mu = 0;
          for (let i = 0; i < g; i++) mu += xd[(seg + i * m + k) * c + j];
          mu /= g;
          let v = 0;
          for (let i = 0; i < g; i++) v += (xd[(seg + i * m + k) * c + j] - mu) ** 2;
          const sd = Math.sqrt(v / g + MINIBATCH_STD_EPS);
          std[base + j] = sd;
          mean += sd;
        }
        mean /= c;
        std[base + c] = mean;
        for (let i = 0; i < g; i++) yd[(seg + i * m + k) * (c + 1) + c] = mean;
      }
    }
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor | null {
    const x = this.input;
    if (x === null) throw new Error(`MinibatchStd ${this.name}: backward before forward`);
    const [n, c] = x.shape;
    if (dy.rank !== 2 || dy.shape[0] !== n || dy.shape[1] !== c + 1) {
      throw new ShapeError(
        `MinibatchStd ${this.name}: gradient shape ${formatShape(dy.shape)} does not match the output [${n},${c + 1}]`,
      );
    }
    if (!(opts.inputGrad ?? true)) return null;
    const { s, g, m } = this.layout(n);
    const dx = this.dx.get(n, c);
    const xd = x.data;
    const dyd = dy.data;
    const dxd = dx.data;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < c; j++) dxd[r * c + j] = dyd[r * (c + 1) + j];
    }
    for (let seg = 0; seg < n; seg += s) {
      for (let k = 0; k < m; k++) {
        const base = ((seg / s) * m + k) * (c + 1);
        let dMean = 0;
        for (let i = 0; i < g; i++) dMean += dyd[(seg + i * m + k) * (c + 1) + c];
        if (dMean === 0) continue;
        for (let j = 0; j < c; j++) {
          let mu = 0;
          for (let i = 0; i < g; i++) mu += xd[(seg + i * m + k) * c + j];
          mu /= g;
          const scale = dMean / (c * g * this.std[base + j]);
          for (let i = 0; i < g; i++) {
            const at = (seg + i * m + k) * c + j;
            dxd[at] += (xd[at] - mu) * scale;
          }
        }
      }
    }
    return dx;
  }

  parameters(): Parameter[] {
    return [];
  }
}
